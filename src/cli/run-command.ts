/** run: fetch secrets, then start a command with them in its environment, masked in its output. */
import type { Command } from 'commander';
import { clientOptionsFromEnv, SecretsClient } from '../client/secrets-client';
import { keyProblem } from '../keys';
import { buildEnvironment, EnvironmentError, maskableValues, parseEnvBinding } from '../run/environment';
import { CommandNotStarted, runChild } from '../run/run-child';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from './exit';

const collect = (value: string, previous: string[]) => [...previous, value];

/** Variables the command must not inherit: it gets secrets, never the token that fetched them. */
const WITHHELD = ['SECRETS_TOKEN', 'SECRETS_TOKEN_FILE'];

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('fetch secrets, then run a command with them as environment variables (masked in its output)')
    .option('--env <NAME=KEY[#FIELD]>', 'one variable: a field, or the whole value as JSON; repeatable', collect, [])
    .option('--from <KEY>', 'every top-level field of KEY as a variable of that name; repeatable', collect, [])
    .option('--no-mask', 'do not mask secret values in the command\'s output')
    .argument('<command...>', 'the command and its arguments, after --')
    .passThroughOptions()
    .addHelpText(
      'after',
      '\nExamples:\n  scoped-secrets run --from ci/deploy/aws -- ./deploy.sh\n  scoped-secrets run --env DB_PASSWORD=ci/db#password --env AWS=ci/deploy/aws -- make release',
    )
    .action(async (commandLine: string[], options: { env: string[]; from: string[]; mask: boolean }) => {
      let bindings;
      try {
        bindings = options.env.map(parseEnvBinding);
      } catch (error) {
        throw new CliError((error as Error).message, EXIT_USAGE);
      }
      for (const key of options.from) {
        const problem = keyProblem(key);
        if (problem) throw new CliError(`--from ${key}: ${problem}`, EXIT_USAGE);
      }
      const keys = [...new Set([...options.from, ...bindings.map((binding) => binding.key)])];
      const client = new SecretsClient(clientOptionsFromEnv(process.env));
      // Everything is fetched before the command starts: any failure means it never starts.
      const fetched = await Promise.all(
        keys.map(async (key) => {
          try {
            return [key, (await client.getSecret(key)).value] as const;
          } catch (error) {
            throw new CliError(`${key}: ${(error as Error).message}; the command was not started`, EXIT_FAILURE);
          }
        }),
      );
      const values = new Map(fetched);
      let injected: Record<string, string>;
      try {
        injected = buildEnvironment(options.from, bindings, values);
      } catch (error) {
        if (error instanceof EnvironmentError) throw new CliError(`${error.message}; the command was not started`, EXIT_USAGE);
        throw error;
      }
      const env: NodeJS.ProcessEnv = { ...process.env, ...injected };
      for (const name of WITHHELD) delete env[name];
      const [command, ...args] = commandLine;
      if (command === undefined) throw new CliError('give the command to run after --', EXIT_USAGE);
      try {
        process.exitCode = await runChild(command, args, env, options.mask ? maskableValues(values.values(), injected) : undefined);
      } catch (error) {
        if (error instanceof CommandNotStarted) throw new CliError(error.message, error.exitCode);
        throw error;
      }
    });
}
