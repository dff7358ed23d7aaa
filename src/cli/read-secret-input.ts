/**
 * Where `put` gets a value: a JSON file (or `-` for standard input), or one
 * prompt per field, read without echo on a terminal and one line per field
 * from a pipe. Values never come from the command line, where `ps` and
 * shell history would see them.
 */
import fs from 'node:fs';
import { CliError, EXIT_USAGE } from './exit';

export function readJsonObject(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code})`, EXIT_USAGE);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not valid JSON`, EXIT_USAGE);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError(`${file} must hold a JSON object`, EXIT_USAGE);
  }
  return value as Record<string, unknown>;
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

/** All of standard input, split into lines. */
function readPipedLines(): string[] {
  return fs.readFileSync(0, 'utf8').split(/\r?\n/);
}

export async function promptForFields(fields: readonly string[]): Promise<Record<string, string>> {
  const value: Record<string, string> = {};
  if (process.stdin.isTTY) {
    for (const field of fields) value[field] = await readHiddenLine(`${field}: `);
    return value;
  }
  const lines = readPipedLines();
  for (const [index, field] of fields.entries()) {
    const line = lines[index];
    if (line === undefined) throw new CliError(`standard input must hold one line per --prompt field (${fields.length})`, EXIT_USAGE);
    value[field] = line;
  }
  return value;
}
