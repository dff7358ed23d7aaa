/** get, put, delete, list and whoami: the client commands, over HTTP (SECRETS_URL, SECRETS_TOKEN or SECRETS_TOKEN_FILE). */
import { Option, type Command } from 'commander';
import { clientOptionsFromEnv, SecretsClient } from '../client/secrets-client';
import { parseDuration } from '../durations';
import { keyProblem } from '../keys';
import { parseTimestamp } from '../timestamps';
import { CliError, EXIT_USAGE } from './exit';
import { promptForFields, readJsonObject } from './read-secret-input';

function client(): SecretsClient {
  return new SecretsClient(clientOptionsFromEnv(process.env));
}

function checkedKey(key: string, what = 'KEY'): string {
  const problem = keyProblem(key);
  if (problem) throw new CliError(`${what}: ${problem}`, EXIT_USAGE);
  return key;
}

function positiveInteger(text: string, flag: string): number {
  if (!/^[1-9]\d{0,9}$/.test(text)) throw new CliError(`${flag} must be a positive whole number`, EXIT_USAGE);
  return Number(text);
}

/** `30d`-style durations from now, or an RFC 3339 date-time. */
export function expiresFrom(text: string, now = Date.now()): string {
  const duration = parseDuration(text);
  if (duration !== undefined) return new Date(now + duration).toISOString();
  const date = parseTimestamp(text);
  if (date !== undefined) return new Date(date).toISOString();
  throw new CliError('--expires must be a duration such as 30d or 12h, or an RFC 3339 date-time', EXIT_USAGE);
}

/** A field as `get --field` and `run` print it: strings raw, anything else as JSON. */
export function fieldText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function registerClientCommands(program: Command): void {
  program
    .command('get')
    .description('print a secret\'s value (needs secret:get, and secret:history with --version)')
    .argument('<key>', 'the secret key, such as ci/deploy/aws')
    .option('--field <name>', 'print one field: strings raw, anything else as JSON')
    .option('--version <n>', 'an earlier version')
    .option('--json', 'print the whole response: value and metadata')
    .addHelpText('after', '\nExamples:\n  scoped-secrets get ci/deploy/aws\n  scoped-secrets get ci/deploy/aws --field secret_key')
    .action(async (key: string, options: { field?: string; version?: string; json?: boolean }) => {
      const version = options.version === undefined ? undefined : positiveInteger(options.version, '--version');
      const secret = await client().getSecret(checkedKey(key), { version });
      if (options.field !== undefined) {
        if (!Object.hasOwn(secret.value, options.field)) throw new CliError(`${key} has no field "${options.field}"`);
        process.stdout.write(`${fieldText(secret.value[options.field])}\n`);
      } else {
        printJson(options.json ? secret : secret.value);
      }
    });

  program
    .command('put')
    .description('store a secret from a JSON file or from prompts; values never come from the command line')
    .argument('<key>', 'the secret key')
    .requiredOption('--expires <when>', 'a duration from now (30d, 12h) or an RFC 3339 date-time')
    .addOption(new Option('--file <path>', 'a JSON object to store; - reads standard input').conflicts('prompt'))
    .option('--prompt <fields...>', 'ask for each field without echo (one line per field when piped)')
    .option('--if-version <n>', 'replace only if the secret is at this version')
    .option('--create-only', 'fail if the secret already exists')
    .option('--json', 'print the stored metadata as JSON')
    .addHelpText('after', '\nExamples:\n  scoped-secrets put ci/deploy/aws --expires 30d --file aws.json\n  scoped-secrets put ci/db --expires 7d --prompt user password')
    .action(async (key: string, options: { expires: string; file?: string; prompt?: string[]; ifVersion?: string; createOnly?: boolean; json?: boolean }) => {
      checkedKey(key);
      const expires = expiresFrom(options.expires);
      if (options.file === undefined && options.prompt === undefined) throw new CliError('give --file or --prompt', EXIT_USAGE);
      const value = options.file !== undefined ? readJsonObject(options.file) : await promptForFields(options.prompt ?? []);
      const stored = await client().putSecret(key, value, expires, {
        ifMatch: options.ifVersion === undefined ? undefined : `"${positiveInteger(options.ifVersion, '--if-version')}"`,
        ifNoneMatch: options.createOnly ? '*' : undefined,
      });
      if (options.json) printJson(stored);
      else process.stdout.write(`stored ${stored.key} version ${stored.version}, expires ${stored.expires}\n`);
    });

  program
    .command('delete')
    .description('delete a secret and its history')
    .argument('<key>', 'the secret key')
    .option('--if-version <n>', 'delete only if the secret is at this version')
    .action(async (key: string, options: { ifVersion?: string }) => {
      const ifMatch = options.ifVersion === undefined ? undefined : `"${positiveInteger(options.ifVersion, '--if-version')}"`;
      await client().deleteSecret(checkedKey(key), { ifMatch });
      process.stdout.write(`deleted ${key}\n`);
    });

  program
    .command('list')
    .description('list the keys you may see under a prefix (whole segments), with version and expiry')
    .argument('[prefix]', 'a key prefix, such as ci', '')
    .option('--show-values', 'also fetch and print each value (needs secret:get)')
    .option('--json', 'print JSON')
    .action(async (prefix: string, options: { showValues?: boolean; json?: boolean }) => {
      if (prefix !== '') checkedKey(prefix, 'PREFIX');
      const api = client();
      const rows: Array<Record<string, unknown>> = [];
      for await (const item of api.listAll(prefix)) rows.push({ ...item });
      if (options.showValues) {
        await Promise.all(rows.map(async (row) => (row.value = (await api.getSecret(row.key as string)).value)));
      }
      if (options.json) return printJson(rows);
      for (const row of rows) {
        const columns = [String(row.key), `v${String(row.version)}`, `expires ${String(row.expires)}`];
        if (options.showValues) columns.push(JSON.stringify(row.value));
        process.stdout.write(`${columns.join('\t')}\n`);
      }
    });

  program
    .command('whoami')
    .description('show your token\'s subject, scopes and expiry')
    .action(async () => printJson(await client().whoami()));
}
