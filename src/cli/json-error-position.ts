/**
 * Where JSON text first goes wrong, as a line and column, for a message a
 * person can act on. JSON.parse says so only for some errors, and others
 * quote the input, which may be a secret; this scanner says where without
 * quoting anything. Called only after JSON.parse has failed.
 */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const LITERALS = ['true', 'false', 'null'];
// eslint-disable-next-line no-control-regex -- JSON strings may not hold control characters: that is the point.
const STRING_BODY = /(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*/y;

class Scanner {
  at = 0;
  constructor(private readonly text: string) {}

  skipWhitespace(): void {
    while (WHITESPACE.has(this.text[this.at] ?? '')) this.at++;
  }

  /** Advances past one value; false where it stops being JSON. */
  value(): boolean {
    this.skipWhitespace();
    const char = this.text[this.at];
    if (char === '{') return this.sequence('}', () => this.string() && this.expect(':') && this.value());
    if (char === '[') return this.sequence(']', () => this.value());
    if (char === '"') return this.string();
    const literal = LITERALS.find((word) => word[0] === char);
    return literal !== undefined ? this.literal(literal) : this.number();
  }

  /** A literal, stopping at the first character that differs. */
  private literal(word: string): boolean {
    for (const expected of word) {
      if (this.text[this.at] !== expected) return false;
      this.at++;
    }
    return true;
  }

  /** A number, stopping where it goes wrong: -, digits, then an optional fraction and exponent, each needing a digit. */
  private number(): boolean {
    if (this.text[this.at] === '-') this.at++;
    if (this.text[this.at] === '0') this.at++;
    else if (!this.digits()) return false;
    if (this.text[this.at] === '.') {
      this.at++;
      if (!this.digits()) return false;
    }
    if (this.text[this.at] === 'e' || this.text[this.at] === 'E') {
      this.at++;
      if (this.text[this.at] === '+' || this.text[this.at] === '-') this.at++;
      if (!this.digits()) return false;
    }
    return true;
  }

  private digits(): boolean {
    const start = this.at;
    while (/[0-9]/.test(this.text[this.at] ?? '')) this.at++;
    return this.at > start;
  }

  private sequence(close: string, item: () => boolean): boolean {
    this.at++;
    this.skipWhitespace();
    if (this.text[this.at] === close) {
      this.at++;
      return true;
    }
    for (;;) {
      if (!item()) return false;
      this.skipWhitespace();
      if (this.text[this.at] === close) {
        this.at++;
        return true;
      }
      if (!this.expect(',')) return false;
    }
  }

  private string(): boolean {
    this.skipWhitespace();
    if (this.text[this.at] !== '"') return false;
    this.at++;
    this.match(STRING_BODY);
    // A bad escape: point where V8 does, at the escape's letter or at the first digit that is not hex.
    if (this.text[this.at] === '\\') {
      this.at++;
      if (this.text[this.at] === 'u') {
        this.at++;
        while (/[0-9a-fA-F]/.test(this.text[this.at] ?? '')) this.at++;
      }
      return false;
    }
    if (this.text[this.at] !== '"') return false;
    this.at++;
    return true;
  }

  private expect(char: string): boolean {
    this.skipWhitespace();
    if (this.text[this.at] !== char) return false;
    this.at++;
    return true;
  }

  private match(pattern: RegExp): boolean {
    pattern.lastIndex = this.at;
    const found = pattern.exec(this.text);
    if (!found || found[0] === '') return false;
    this.at += found[0].length;
    return true;
  }
}

/** The 1-based line and column of the first character that is not valid JSON (or of the end, if it stops short). */
export function jsonErrorPosition(text: string): TextPosition {
  const scanner = new Scanner(text);
  if (scanner.value()) {
    scanner.skipWhitespace();
  }
  const before = text.slice(0, scanner.at);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: scanner.at - lineStart + 1 };
}
