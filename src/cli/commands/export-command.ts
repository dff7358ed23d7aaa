/** export: print secrets' fields as variables, for a .env file, an `eval`, or a JSON consumer. */
import { Option, type Command } from 'commander';
import { buildEnvironment } from '../run/environment';
import { addClientFlags, clientFor } from '../client-flags';
import { EXPORT_FORMATS, formatVariables, UnsafeValueError, type ExportFormat } from '../dotenv';
import { CliError, EXIT_USAGE } from '../exit';
import { fetchValues } from '../fetch-secrets';
import { withExamples } from '../output';
import { checkedKeysOrPrefixes, expandKeys } from '../key-prefixes';
import { addVariableOptions, environmentOrExit, variableChoicesFrom, type VariableOptions } from './run-command';

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
        .description(
          'print every top-level field of the keys as variables (later keys win; a variable two keys of a KEY/** prefix share is refused); this prints values',
        )
        .argument('<keys...>', 'one or more secret keys, or KEY/** for every secret under KEY you may list')
        .addOption(new Option('--format <format>', 'how to print them').choices(EXPORT_FORMATS).default('dotenv')),
    ),
    'scoped-secrets export ci/db > .env',
    'eval "$(scoped-secrets export ci/deploy/aws --format shell --uppercase)"',
    'scoped-secrets export ci/db ci/deploy/aws --format json',
    "scoped-secrets export 'ci/deploy/**' --format shell",
  ).action(async (keys: string[], options: VariableOptions & { format: ExportFormat }, command: Command) => {
    checkedKeysOrPrefixes(keys, '');
    const naming = variableChoicesFrom(options);
    const client = clientFor(command);
    const { keys: expanded, fromPrefix } = await expandKeys(client, keys, '; nothing was printed');
    const choices = { ...naming, fromPrefix };
    const values = await fetchValues(client, expanded, '; nothing was printed');
    const env = environmentOrExit(() => buildEnvironment(expanded, [], values, choices), '; nothing was printed');
    process.stdout.write(formatVariablesOrExit(env, options.format));
  });
}
