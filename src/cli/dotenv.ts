/**
 * .env files in and out. Reading: `NAME=value` lines, an optional
 * `export `, `#` comments, values bare (trimmed, a ` #` comment cut),
 * single-quoted (literal) or double-quoted (\n \r \t \" \\ escapes, may
 * span lines). Writing picks single quotes unless the value holds a single
 * quote or a line break, so that what is written reads back the same here
 * and in the usual dotenv loaders.
 */
export class DotenvError extends Error {}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

export function isVariableName(name: string): boolean {
  return VARIABLE_NAME.test(name);
}

export function parseDotenv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const line = (lines[index] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue;
    // dotAll: a quoted value may hold U+2028 or U+2029, which . would not match.
    const match = /^(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/s.exec(line);
    const [, name, rest] = match ?? [];
    if (name === undefined || rest === undefined) throw new DotenvError(`line ${lineNumber}: expected NAME=value`);
    if (!isVariableName(name)) throw new DotenvError(`line ${lineNumber}: "${name}" is not a variable name`);
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end < 0) throw new DotenvError(`line ${lineNumber}: the single quote is not closed`);
      values[name] = rest.slice(1, end);
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

function dotenvQuoted(value: string): string {
  if (!/['\n\r]/.test(value)) return `'${value}'`;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
}

function shellQuoted(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

export type ExportFormat = 'dotenv' | 'json' | 'shell';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['dotenv', 'json', 'shell'];

export function formatVariables(variables: Record<string, string>, format: ExportFormat): string {
  if (format === 'json') return `${JSON.stringify(variables, null, 2)}\n`;
  const line = format === 'shell' ? (name: string, value: string) => `export ${name}=${shellQuoted(value)}` : (name: string, value: string) => `${name}=${dotenvQuoted(value)}`;
  return Object.entries(variables)
    .map(([name, value]) => `${line(name, value)}\n`)
    .join('');
}
