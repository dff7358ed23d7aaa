/** export: print secrets' fields as variables, for a .env file, an `eval`, or a JSON consumer. */
import { Option, type Command } from 'commander';
import { buildEnvironment } from '../run/environment';
import { addClientFlags, clientFor } from './client-flags';
import { EXPORT_FORMATS, formatVariables, type ExportFormat } from './dotenv';
import { fetchValues } from './fetch-secrets';
import { warn, withExamples } from './output';
import { addNamingOptions, checkedFromKeys, namingFrom } from './run-command';

export function registerExportCommand(program: Command): void {
  withExamples(
    addNamingOptions(
      addClientFlags(program.command('export'))
        .description('print every top-level field of the keys as variables (later keys win); this prints values')
        .argument('<keys...>', 'one or more secret keys')
        .addOption(new Option('--format <format>', 'how to print them').choices(EXPORT_FORMATS).default('dotenv')),
    ),
    'scoped-secrets export ci/db > .env',
    'eval "$(scoped-secrets export ci/deploy/aws --format shell --uppercase)"',
    'scoped-secrets export ci/db ci/deploy/aws --format json',
  ).action(async (keys: string[], options: { format: ExportFormat; uppercase?: boolean; prefix: string }, command: Command) => {
    checkedFromKeys(keys, '');
    const naming = namingFrom(options);
    const values = await fetchValues(clientFor(command), [...new Set(keys)]);
    const { env, skipped } = buildEnvironment(keys, [], values, naming);
    for (const line of skipped) warn(line);
    process.stdout.write(formatVariables(env, options.format));
  });
}
