/**
 * wrap and unwrap: one-time hand-off. `wrap` prints only the wrap token;
 * `unwrap` reads it from standard input or --token-file, never from the
 * command line, where `ps` and shell history would keep it.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { warnIfShared } from '../client/credential-safety';
import { SecretsClient, serviceUrl, type ClientFlags, type Unwrapped } from '../client/secrets-client';
import { addClientFlags, clientFor } from '../client-flags';
import { checkedKey } from './client-commands';
import { CliError, EXIT_USAGE } from '../exit';
import { explainKeyFailure } from '../key-failures';
import { printJson, printValue, withExamples } from '../output';
import { readJsonObject } from '../read-secret-input';
import { ttlSeconds } from '../ttl';
import { WRAP_TOKEN_PATTERN } from '../../wraps/wrap-tokens';

/** The wrap token from a file, or all of standard input; one line, checked for shape, so a wrong file fails before it is sent. */
function readWrapToken(file: string | undefined): string {
  let text: string;
  try {
    text = fs.readFileSync(file ?? 0, 'utf8').trim();
  } catch (error) {
    throw new CliError(`cannot read ${file ?? 'standard input'} (${(error as NodeJS.ErrnoException).code})`, EXIT_USAGE);
  }
  if (!WRAP_TOKEN_PATTERN.test(text)) throw new CliError(`${file ?? 'standard input'} does not hold a wrap token (sswrap_…)`, EXIT_USAGE);
  if (file !== undefined) warnIfShared(file, 'the wrap token file');
  return text;
}

/** Unwraps the token in `file` (or standard input), with the usual one-line failure. */
export async function unwrapFrom(file: string | undefined, flags: ClientFlags): Promise<Unwrapped> {
  const wrapToken = readWrapToken(file);
  // The wrap token is the credential: no bearer token is sent.
  const client = new SecretsClient({ url: serviceUrl(process.env, flags), token: '', attempts: 1 });
  try {
    return await client.unwrap(wrapToken);
  } catch (error) {
    if ((error as { code?: string }).code === 'WrapTokenNotFound') {
      throw new CliError('the wrap token is unknown, already unwrapped (by someone else, if not by you) or expired');
    }
    throw error;
  }
}

export function registerWrapCommands(program: Command): void {
  withExamples(
    addClientFlags(program.command('wrap'))
      .description('hand a value to one reader, once: print a wrap token for a copy of KEY (needs secret:wrap:KEY) or of a JSON file')
      .argument('[key]', 'the secret to copy (its current value, frozen now)')
      .option('--file <path>', 'wrap this JSON object instead of a secret; - reads standard input')
      .requiredOption('--ttl <duration>', "how long the wrap token lives, such as 10m (cut short at the secret's own expiry)")
      .option('--json', 'print the wrap token with its expiry as JSON'),
    'scoped-secrets wrap ci/deploy/aws --ttl 10m > task.wrap',
    'scoped-secrets wrap --file creds.json --ttl 1h',
  ).action(async (key: string | undefined, options: { file?: string; ttl: string; json?: boolean }, command: Command) => {
    if ((key === undefined) === (options.file === undefined)) throw new CliError('give a KEY or --file, not both', EXIT_USAGE);
    const ttl = ttlSeconds(options.ttl);
    const client = clientFor(command);
    const created =
      key === undefined
        ? await client.wrap({ value: readJsonObject(options.file as string), ttl })
        : await client.wrap({ key: checkedKey(key), ttl }).catch((error: unknown) => explainKeyFailure(error, client, key));
    if (options.json) printJson(created);
    else process.stdout.write(`${created.wrapToken}\n`);
  });

  withExamples(
    program
      .command('unwrap')
      .description(
        'take a wrapped value, once, from a wrap token on standard input or in --token-file (no bearer token needed); a second unwrap fails',
      )
      .option('--token-file <path>', 'the file holding the wrap token (default: standard input)')
      .option('--field <name>', 'print one field: strings raw, anything else as JSON')
      .option('--json', 'print the value with where it came from: key, creator, created, expires')
      .option('--url <url>', 'the service (SECRETS_URL; default http://127.0.0.1:8080)'),
    'scoped-secrets unwrap < task.wrap',
    'scoped-secrets unwrap --token-file task.wrap --field secret_key',
  ).action(async (options: { tokenFile?: string; field?: string; json?: boolean; url?: string }) => {
    const unwrapped = await unwrapFrom(options.tokenFile, { url: options.url });
    printValue(unwrapped.value, { field: options.field, whole: options.json ? unwrapped : undefined, what: 'the wrapped value' });
  });
}
