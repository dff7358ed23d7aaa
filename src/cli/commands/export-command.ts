/** export: print secrets' fields as variables, for a .env file, an `eval`, or a JSON consumer. */
import { Option, type Command } from 'commander';
import { buildEnvironment } from '../run/environment';
import { addClientFlags, clientFor } from '../client-flags';
import { EXPORT_FORMATS, formatVariables, UnsafeValueError, type ExportFormat } from '../dotenv';
import { CliError, EXIT_USAGE } from '../exit';
import { fetchValues } from '../fetch-secrets';
import { withExamples } from '../output';
import { addVariableOptions, checkedFromKeys, environmentOrExit, variableChoicesFrom, type VariableOptions } from './run-command';

function formatVariablesOrExit(variables: Record<string, string>, format: ExportFormat): string {
  try {
    return formatVariables(variables, format);
  } catch (error) {
    if (error instanceof UnsafeValueError) throw new CliError(`${error.message}; nothing was printed`, EXIT_USAGE);
    throw error;
  }
}

export function registerExportCommand(program: Command): void {
  withExamples(
    addVariableOptions(
      addClientFlags(program.command('export'))
        .description('print every top-level field of the keys as variables (later keys win); this prints values')
        .argument('<keys...>', 'one or more secret keys')
        .addOption(new Option('--format <format>', 'how to print them').choices(EXPORT_FORMATS).default('dotenv')),
    ),
    'scoped-secrets export ci/db > .env',
    'eval "$(scoped-secrets export ci/deploy/aws --format shell --uppercase)"',
    'scoped-secrets export ci/db ci/deploy/aws --format json',
  ).action(async (keys: string[], options: VariableOptions & { format: ExportFormat }, command: Command) => {
    checkedFromKeys(keys, '');
    const choices = variableChoicesFrom(options);
    const values = await fetchValues(clientFor(command), [...new Set(keys)]);
    const env = environmentOrExit(() => buildEnvironment(keys, [], values, choices), '; nothing was printed');
    process.stdout.write(formatVariablesOrExit(env, options.format));
  });
}
