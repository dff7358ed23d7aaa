/**
 * .env files in and out. Reading: `NAME=value` lines, an optional
 * `export `, `#` comments, values bare (trimmed, a ` #` comment cut),
 * single-quoted (literal, may span lines) or double-quoted (\n \r \t \"
 * \\ escapes, may span lines).
 *
 * Writing is for readers that trust nothing in a value: `set -a; . file` in
 * sh and bash must run nothing and read every value back byte for byte,
 * and so must the dotenv package. A value goes in single quotes, where
 * neither shell expands anything; one holding a single quote goes in
 * double quotes only when it holds nothing a shell expands there (`$`, a
 * backtick, `\`, `"`); any other value, and one with a carriage return
 * (which dotenv turns into a line break), is refused: `--format shell`
 * carries every value.
 */
import { VARIABLE_NAME } from './run/environment';

export class DotenvError extends Error {}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

export function parseDotenv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    // Only the start is trimmed: the end of a line may be inside a quoted value that goes on below.
    const line = (lines[index] ?? '').trimStart();
    if (line.trim() === '' || line.startsWith('#')) continue;
    // dotAll: a quoted value may hold U+2028 or U+2029, which . would not match.
    const match = /^(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/s.exec(line);
    const [, name, rest] = match ?? [];
    if (name === undefined || rest === undefined) throw new DotenvError(`line ${lineNumber}: expected NAME=value`);
    if (!VARIABLE_NAME.test(name)) throw new DotenvError(`line ${lineNumber}: "${name}" is not a variable name`);
    if (rest.startsWith("'")) {
      let body = rest.slice(1);
      let end = body.indexOf("'");
      while (end < 0) {
        index++;
        if (index >= lines.length) throw new DotenvError(`line ${lineNumber}: the single quote is not closed`);
        body += `\n${lines[index] ?? ''}`;
        end = body.indexOf("'");
      }
      values[name] = body.slice(0, end);
    } else if (rest.startsWith('"')) {
      let body = rest.slice(1);
      let value = '';
      for (;;) {
        const closed = readDoubleQuoted(body);
        value += closed.text;
        if (closed.done) break;
        index++;
        if (index >= lines.length) throw new DotenvError(`line ${lineNumber}: the double quote is not closed`);
        value += '\n';
        body = lines[index] ?? '';
      }
      values[name] = value;
    } else {
      values[name] = rest.replace(/\s+#.*$/, '').trim();
    }
  }
  return values;
}

/** The text of a double-quoted value up to its closing quote, or all of `body` when the quote goes on to the next line. */
function readDoubleQuoted(body: string): { text: string; done: boolean } {
  let text = '';
  for (let at = 0; at < body.length; at++) {
    const char = body[at] as string;
    if (char === '"') return { text, done: true };
    if (char === '\\' && at + 1 < body.length) {
      const next = body[at + 1] as string;
      text += ESCAPES[next] ?? `\\${next}`;
      at++;
    } else {
      text += char;
    }
  }
  return { text, done: false };
}

/** Thrown for a value that a format cannot carry safely. */
export class UnsafeValueError extends Error {}

function dotenvQuoted(name: string, value: string): string {
  const refuse = (why: string) =>
    new UnsafeValueError(`--format dotenv cannot carry ${name}: its value holds ${why}; use --format shell or --format json`);
  if (/[\0\r]/.test(value)) throw refuse('a carriage return or a NUL, which .env readers change');
  if (!value.includes("'")) {
    if (!value.endsWith('\\')) return `'${value}'`;
    throw refuse('a backslash at its end, which dotenv reads as escaping the closing quote');
  }
  if (!/["$`\\]/.test(value)) return `"${value}"`;
  throw refuse('a single quote and one of " $ ` \\, which no quoting reads back alike in sh and dotenv');
}

/** POSIX single quotes: the shell expands nothing inside them, and a single quote is closed, escaped and reopened. */
function shellQuoted(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

export type ExportFormat = 'dotenv' | 'json' | 'shell';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['dotenv', 'json', 'shell'];

export function formatVariables(variables: Record<string, string>, format: ExportFormat): string {
  if (format === 'json') return `${JSON.stringify(variables, null, 2)}\n`;
  const line =
    format === 'shell'
      ? (name: string, value: string) => `export ${name}=${shellQuoted(value)}`
      : (name: string, value: string) => `${name}=${dotenvQuoted(name, value)}`;
  return Object.entries(variables)
    .map(([name, value]) => `${line(name, value)}\n`)
    .join('');
}
