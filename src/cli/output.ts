/** Small output helpers shared by the commands. */
import type { Command } from 'commander';
import { CliError } from './exit';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

/** Adds an Examples section to a command's --help. */
export function withExamples(command: Command, ...lines: string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}`);
}

/** A warning on stderr, which scripts reading stdout never see mixed into their data. */
export function warn(line: string): void {
  process.stderr.write(`scoped-secrets: warning: ${line}\n`);
}

/**
 * A secret's value as `get` and `unwrap` print it: one field (strings raw,
 * anything else as JSON), the whole response with --json, else the value.
 */
export function printValue(value: Record<string, unknown>, options: { field?: string; whole?: unknown; what: string }): void {
  if (options.field === undefined) return printJson(options.whole ?? value);
  if (!Object.hasOwn(value, options.field)) throw new CliError(`${options.what} has no field "${options.field}"`);
  const field = value[options.field];
  process.stdout.write(`${typeof field === 'string' ? field : JSON.stringify(field)}\n`);
}
