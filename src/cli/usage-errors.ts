/**
 * Usage errors as one line naming where to look, like `git` and `kubectl`:
 * `scoped-secrets: unknown option '--x' (see scoped-secrets get --help)`,
 * instead of the whole help after the error.
 */
import type { Command } from 'commander';

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current; current = current.parent) names.unshift(current.name());
  return names.join(' ');
}

export function oneLineUsageErrors(root: Command): void {
  const visit = (command: Command) => {
    command.showHelpAfterError(false).configureOutput({
      outputError: (text, write) => write(`scoped-secrets: ${text.replace(/^error: /, '').trim()} (see ${commandPath(command)} --help)\n`),
    });
    for (const sub of command.commands) visit(sub);
  };
  visit(root);
}
