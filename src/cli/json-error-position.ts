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
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
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
    for (const literal of ['true', 'false', 'null']) {
      if (this.text.startsWith(literal, this.at)) {
        this.at += literal.length;
        return true;
      }
    }
    return this.match(NUMBER);
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
    return this.expect('"');
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
