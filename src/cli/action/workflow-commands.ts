/**
 * What a GitHub Action says to its runner: workflow commands on standard
 * output (::add-mask::, ::error::), and variables and outputs appended to
 * the files GITHUB_ENV and GITHUB_OUTPUT name, each value between
 * delimiters that no value can forge.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';

/** A workflow command's data, escaped as the runner reads it back: a value cannot end the command or start another. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function addMask(value: string, write: (line: string) => void): void {
  if (value !== '') write(`::add-mask::${escapeData(value)}\n`);
}

export function errorLine(message: string): string {
  return `::error::${escapeData(message)}\n`;
}

/**
 * The lines that set `name` to `value` in a GITHUB_ENV or GITHUB_OUTPUT
 * file. The delimiter is random, and checked against the value anyway: a
 * value that held it could end its own entry and write a second one.
 */
export function fileEntry(name: string, value: string, delimiter = `ghadelimiter_${randomUUID()}`): string {
  if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`the value of ${name} holds the delimiter; it is not written`);
  return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
}

/** Appends every entry to the file the runner named in `variable` (GITHUB_ENV, GITHUB_OUTPUT). */
export function appendEntries(env: NodeJS.ProcessEnv, variable: string, entries: ReadonlyMap<string, string>): void {
  const file = env[variable];
  if (!file) throw new Error(`${variable} is not set: run this as a step of a GitHub Actions job`);
  fs.appendFileSync(file, [...entries].map(([name, value]) => fileEntry(name, value)).join(''));
}
