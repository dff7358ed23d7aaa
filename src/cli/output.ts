/** Small output helpers shared by the commands. */
import type { Command } from 'commander';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Adds an Examples section to a command's --help. */
export function withExamples(command: Command, ...lines: string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}`);
}

/** A warning on stderr, which scripts reading stdout never see mixed into their data. */
export function warn(line: string): void {
  process.stderr.write(`scoped-secrets: warning: ${line}\n`);
}
