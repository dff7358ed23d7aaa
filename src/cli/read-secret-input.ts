/**
 * Where `put` gets a value: a JSON file or a .env file (or `-` for standard
 * input), or one prompt per field, read without echo on a terminal and one line per field
 * from a pipe. Values never come from the command line, where `ps` and
 * shell history would see them.
 */
import fs from 'node:fs';
import { DotenvError, parseDotenv } from './dotenv';
import { CliError, EXIT_USAGE } from './exit';
import { jsonErrorPosition } from './json-error-position';

function readText(file: string): string {
  try {
    return fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code})`, EXIT_USAGE);
  }
}

export function readJsonObject(file: string): Record<string, unknown> {
  const text = readText(file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's own message may quote the text, which is a secret: say only where.
    const { line, column } = jsonErrorPosition(text);
    throw new CliError(`${file} is not valid JSON: line ${line}, column ${column}`, EXIT_USAGE);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError(`${file} must hold a JSON object`, EXIT_USAGE);
  }
  return value as Record<string, unknown>;
}

export function readDotenvFile(file: string): Record<string, string> {
  let value: Record<string, string>;
  try {
    value = parseDotenv(readText(file));
  } catch (error) {
    if (error instanceof DotenvError) throw new CliError(`${file}: ${error.message}`, EXIT_USAGE);
    throw error;
  }
  if (Object.keys(value).length === 0) throw new CliError(`${file} holds no NAME=value line`, EXIT_USAGE);
  return value;
}

/** Reads one line from a terminal in raw mode, echoing nothing. */
function readHiddenLine(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let line = '';
    stdin.setRawMode(true);
    stdin.resume();
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          finish();
          process.stderr.write('\n');
          resolve(line);
          return;
        }
        if (char === '\u0003') {
          finish();
          process.stderr.write('\n');
          reject(new CliError('interrupted', 130));
          return;
        }
        if (char === '\u007f' || char === '\b') line = line.slice(0, -1);
        else line += char;
      }
    };
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.on('data', onData);
  });
}

/** All of standard input, split into lines; the line break ending the last line does not start another. */
function readPipedLines(): string[] {
  const text = fs.readFileSync(0, 'utf8');
  return text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
}

export async function promptForFields(fields: readonly string[]): Promise<Record<string, string>> {
  const value: Record<string, string> = {};
  if (process.stdin.isTTY) {
    for (const field of fields) value[field] = await readHiddenLine(`${field}: `);
    return value;
  }
  const lines = readPipedLines();
  if (lines.length !== fields.length) {
    throw new CliError(
      `standard input holds ${lines.length} line${lines.length === 1 ? '' : 's'}, but --prompt asks for ${fields.length} (one line per field)`,
      EXIT_USAGE,
    );
  }
  for (const [index, field] of fields.entries()) value[field] = lines[index] as string;
  return value;
}
