/** run: fetch secrets, then start a command with them in its environment, masked in its output. */
import type { Command } from 'commander';
import { GITHUB_OIDC_VARIABLES } from '../client/id-token-sources';
import { SecretsClient, type ClientFlags } from '../client/secrets-client';
import { exchangeOnce } from '../client/exchanged-token';
import { addOidcFlags, exchangeClient, exchangeSource, type OidcOptions } from '../oidc-flags';
import {
  buildEnvironment,
  EnvironmentError,
  maskableValues,
  parseEnvBinding,
  prefixProblem,
  type EnvironmentChoices,
} from '../run/environment';
import { CommandNotStarted, runChild } from '../run/run-child';
import { addClientFlags, clientFor } from '../client-flags';
import { CliError, EXIT_FAILURE, EXIT_NOT_FOUND, EXIT_USAGE, isNotFound } from '../exit';
import { fetchValues } from '../fetch-secrets';
import { checkedKeysOrPrefixes, expandKeys } from '../key-prefixes';
import { keyProblem } from '../../secrets/secret-key';
import { HeldLeases } from '../run/held-leases';
import { unwrapFrom } from './wrap-commands';
import { withExamples } from '../output';

const collect = (value: string, previous: string[]) => [...previous, value];

/** Variables the command must not inherit: it gets secrets, never the tokens that fetched them. */
const WITHHELD = ['SECRETS_TOKEN', 'SECRETS_TOKEN_FILE', ...GITHUB_OIDC_VARIABLES];

/** --uppercase, --prefix and --allow-env, shared with export. */
export function addVariableOptions(command: Command): Command {
  return command
    .option('--uppercase', 'upper-case the variable names made from fields (password → PASSWORD)')
    .option('--prefix <P_>', 'put P_ before the variable names made from fields', '')
    .option(
      '--allow-env <NAME>',
      'let a secret set NAME although it steers how programs start (PATH, NODE_OPTIONS, LD_PRELOAD…); repeatable',
      collect,
      [],
    );
}

export interface VariableOptions {
  readonly uppercase?: boolean;
  readonly prefix: string;
  readonly allowEnv: string[];
}

export function variableChoicesFrom(options: VariableOptions): EnvironmentChoices {
  const problem = prefixProblem(options.prefix);
  if (problem) throw new CliError(problem, EXIT_USAGE);
  return { naming: { uppercase: options.uppercase, prefix: options.prefix }, allowed: new Set(options.allowEnv) };
}

/** The variables to inject, or the usage error that names every refused one; `consequence` says what did not happen. */
export function environmentOrExit(build: () => Record<string, string>, consequence: string): Record<string, string> {
  try {
    return build();
  } catch (error) {
    if (error instanceof EnvironmentError) throw new CliError(`${error.message}${consequence}`, EXIT_USAGE);
    throw error;
  }
}

/** The client `run` fetches with: a token exchanged for the CI job's ID token when asked, else the usual one. */
async function clientFrom(command: Command, options: OidcOptions): Promise<SecretsClient> {
  const source = exchangeSource(options);
  if (!source) return clientFor(command);
  const exchange = exchangeClient(command);
  const exchanged = await exchangeOnce(exchange, source);
  return new SecretsClient({ url: exchange.url, token: exchanged.token });
}

export function registerRunCommand(program: Command): void {
  const run = withExamples(
    addVariableOptions(
      addOidcFlags(addClientFlags(program.command('run')))
        .description('fetch secrets, then run a command with them as environment variables (masked in its output)')
        .option('--env <NAME=KEY[#FIELD]>', 'one variable: a field, or the whole value as JSON; repeatable', collect, [])
        .option(
          '--from <KEY>',
          'every top-level field of KEY as a variable of that name; KEY/** for every secret under KEY you may list; repeatable',
          collect,
          [],
        )
        .option(
          '--wrapped <FILE>',
          'unwrap the wrap token in FILE and export its fields as --from does (it is spent); repeatable',
          collect,
          [],
        )
        .option(
          '--lease <KEY>',
          'draw a new credential from the dynamic backend KEY: username, password and url as --from exports fields; renewed while the command runs, revoked when it exits; repeatable',
          collect,
          [],
        ),
    )
      .option('--no-mask', "do not mask secret values in the command's output")
      .argument('<command...>', 'the command and its arguments, after --')
      .passThroughOptions(),
    'scoped-secrets run --from ci/deploy/aws -- ./deploy.sh',
    "scoped-secrets run --from 'ci/deploy/**' -- ./deploy.sh",
    'scoped-secrets run --from ci/db --uppercase --prefix DB_ -- psql',
    'scoped-secrets run --wrapped /run/task/db.wrap -- ./migrate.sh',
    'scoped-secrets run --github-oidc --trust-rule gh/acme-widgets --from ci/acme/widgets/deploy -- ./deploy.sh',
    'scoped-secrets run --env DB_PASSWORD=ci/db#password --env AWS=ci/deploy/aws -- make release',
    'scoped-secrets run --from ci/tools --allow-env NODE_OPTIONS -- npm test',
    'scoped-secrets run --lease ci/db/readonly --uppercase --prefix PG -- ./report.sh',
  );
  run.action(
    async (
      commandLine: string[],
      options: OidcOptions & VariableOptions & { env: string[]; from: string[]; wrapped: string[]; lease: string[]; mask: boolean },
      command: Command,
    ) => {
      let bindings;
      try {
        bindings = options.env.map(parseEnvBinding);
      } catch (error) {
        throw new CliError((error as Error).message, EXIT_USAGE);
      }
      checkedKeysOrPrefixes(options.from, '--from ');
      for (const key of options.lease) {
        const problem = keyProblem(key);
        if (problem) throw new CliError(`--lease ${key}: ${problem}`, EXIT_USAGE);
      }
      const naming = variableChoicesFrom(options);
      const client = await clientFrom(command, options);
      const { keys: fromKeys, fromPrefix } = await expandKeys(client, options.from, '; the command was not started');
      const choices = { ...naming, fromPrefix };
      const keys = [...new Set([...fromKeys, ...bindings.map((binding) => binding.key)])];
      // Everything is fetched before the command starts: any failure means it never starts.
      const values = await fetchValues(client, keys, '; the command was not started');
      // Checked before unwrapping too: a refused variable must not cost a wrap token.
      environmentOrExit(() => buildEnvironment(fromKeys, bindings, values, choices), '; the command was not started');
      // Credentials are drawn once everything read is in hand, and revoked if the command does not start.
      const leases = new HeldLeases(client, (line) => process.stderr.write(`scoped-secrets: ${line}\n`));
      const leaseLabels = options.lease.map((key) => `the lease of ${key}`);
      try {
        for (const [key, fields] of await leases.draw(options.lease)) values.set(`the lease of ${key}`, fields);
      } catch (error) {
        throw new CliError(`${(error as Error).message}; the command was not started`, isNotFound(error) ? EXIT_NOT_FOUND : EXIT_FAILURE);
      }
      let injected: Record<string, string>;
      try {
        // Unwrapped last, once everything else is in hand: a wrap token spent on a command that never starts is lost.
        const wrappedLabels = options.wrapped.map((file) => `the wrap token in ${file}`);
        for (const [index, file] of options.wrapped.entries()) {
          values.set(wrappedLabels[index] as string, (await unwrapFrom(file, command.optsWithGlobals<ClientFlags>())).value);
        }
        injected = environmentOrExit(
          () => buildEnvironment([...fromKeys, ...leaseLabels, ...wrappedLabels], bindings, values, choices),
          '; the command was not started',
        );
      } catch (error) {
        await leases.release();
        throw error;
      }
      const env: NodeJS.ProcessEnv = { ...process.env, ...injected };
      for (const name of WITHHELD) delete env[name];
      if (options.oidcTokenEnv !== undefined) delete env[options.oidcTokenEnv];
      const [executable, ...args] = commandLine;
      try {
        if (executable === undefined) throw new CliError('give the command to run after --', EXIT_USAGE);
        leases.keepRenewed();
        process.exitCode = await runChild(executable, args, env, options.mask ? maskableValues(values.values(), injected) : undefined);
      } catch (error) {
        if (error instanceof CommandNotStarted) throw new CliError(error.message, error.exitCode);
        throw error;
      } finally {
        await leases.release();
      }
    },
  );
}
