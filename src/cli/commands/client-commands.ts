/** get, put, delete, list and whoami: the client commands, over HTTP. */
import { Option, type Command } from 'commander';
import type { SecretsClient } from '../client/secrets-client';
import { keyProblem } from '../../secrets/secret-key';
import { addClientFlags, clientFor } from '../client-flags';
import { CliError, EXIT_USAGE } from '../exit';
import { expiresFrom } from '../expiry';
import { explainKeyFailure } from '../key-failures';
import { printJson, printValue, withExamples } from '../output';
import { promptForFields, readDotenvFile, readJsonObject } from '../read-secret-input';

export function checkedKey(key: string, what = 'KEY'): string {
  const problem = keyProblem(key);
  if (problem) throw new CliError(`${what}: ${problem}`, EXIT_USAGE);
  return key;
}

function positiveInteger(text: string, flag: string): number {
  if (!/^[1-9]\d{0,9}$/.test(text)) throw new CliError(`${flag} must be a positive whole number, not "${text}"`, EXIT_USAGE);
  return Number(text);
}

async function readValue(options: { file?: string; prompt?: string[]; fromDotenv?: string }): Promise<Record<string, unknown>> {
  if (options.file !== undefined) return readJsonObject(options.file);
  if (options.fromDotenv !== undefined) return readDotenvFile(options.fromDotenv);
  if (options.prompt !== undefined) return promptForFields(options.prompt);
  throw new CliError('give --file, --from-dotenv or --prompt (values never come from the command line)', EXIT_USAGE);
}

/** Whether the token could list anything under `prefix` at all, from its own scopes: nothing the server holds is asked. */
async function mayListUnder(client: SecretsClient, prefix: string): Promise<boolean> {
  const { GrantSet } = await import('../../scopes/grant-set.js');
  const { listableRanges } = await import('../../secrets/listing-ranges.js');
  const { scopes } = await client.whoami();
  return listableRanges(prefix, new GrantSet(scopes).targetsFor('secret', 'list')).length > 0;
}

export function registerClientCommands(program: Command): void {
  withExamples(
    addClientFlags(program.command('get'))
      .description("print a secret's value as JSON (needs secret:get, and secret:history with --version)")
      .argument('<key>', 'the secret key, such as ci/deploy/aws')
      .option('--field <name>', 'print one field: strings raw, anything else as JSON')
      .option('--version <n>', 'an earlier version')
      .option('--json', 'print the whole response: value and metadata'),
    'scoped-secrets get ci/deploy/aws',
    'scoped-secrets get ci/deploy/aws --field secret_key',
    'scoped-secrets get ci/deploy/aws --version 1 --json',
  ).action(async (key: string, options: { field?: string; version?: string; json?: boolean }, command: Command) => {
    const version = options.version === undefined ? undefined : positiveInteger(options.version, '--version');
    const client = clientFor(command);
    const secret = await client
      .getSecret(checkedKey(key), { version })
      .catch((error: unknown) => explainKeyFailure(error, client, key, { readVersion: version }));
    printValue(secret.value, { field: options.field, whole: options.json ? secret : undefined, what: key });
  });

  withExamples(
    addClientFlags(program.command('put'))
      .description('store a secret from a JSON file, a .env file or prompts; values never come from the command line')
      .argument('<key>', 'the secret key')
      .requiredOption('--expires <when>', 'a duration from now (30d, 12h), a date (2027-01-31, midnight UTC) or an RFC 3339 date-time')
      .addOption(new Option('--file <path>', 'a JSON object to store; - reads standard input').conflicts(['prompt', 'fromDotenv']))
      .addOption(
        new Option('--from-dotenv <path>', 'store the NAME=value lines of a .env file as string fields; - reads standard input').conflicts(
          'prompt',
        ),
      )
      .option('--prompt <fields...>', 'ask for each field without echo (one line per field when piped)')
      .option('--if-version <n>', 'replace only if the secret is at this version')
      .addOption(new Option('--create-only', 'fail if the secret already exists').conflicts('ifVersion'))
      .option('--json', 'print the stored metadata as JSON'),
    'scoped-secrets put ci/deploy/aws --expires 30d --file aws.json',
    'scoped-secrets put ci/db --expires 2027-01-31 --prompt user password',
    'scoped-secrets put ci/app --expires 7d --from-dotenv .env --create-only',
  ).action(
    async (
      key: string,
      options: {
        expires: string;
        file?: string;
        fromDotenv?: string;
        prompt?: string[];
        ifVersion?: string;
        createOnly?: boolean;
        json?: boolean;
      },
      command: Command,
    ) => {
      checkedKey(key);
      const expires = expiresFrom(options.expires);
      const version = options.ifVersion === undefined ? undefined : positiveInteger(options.ifVersion, '--if-version');
      const client = clientFor(command);
      const value = await readValue(options);
      const stored = await client
        .putSecret(key, value, expires, {
          ifMatch: version === undefined ? undefined : `"${version}"`,
          ifNoneMatch: options.createOnly ? '*' : undefined,
        })
        .catch((error: unknown) => explainKeyFailure(error, client, key, { version, createOnly: options.createOnly }));
      if (options.json) printJson(stored);
      else process.stdout.write(`stored ${stored.key} version ${stored.version}, expires ${stored.expires}\n`);
    },
  );

  withExamples(
    addClientFlags(program.command('delete'))
      .description('delete a secret and its history (needs secret:delete)')
      .argument('<key>', 'the secret key')
      .option('--if-version <n>', 'delete only if the secret is at this version')
      .option('--json', 'print {"deleted": KEY} as JSON'),
    'scoped-secrets delete ci/old-db',
    'scoped-secrets delete ci/db --if-version 2',
  ).action(async (key: string, options: { ifVersion?: string; json?: boolean }, command: Command) => {
    const version = options.ifVersion === undefined ? undefined : positiveInteger(options.ifVersion, '--if-version');
    const client = clientFor(command);
    await client
      .deleteSecret(checkedKey(key), { ifMatch: version === undefined ? undefined : `"${version}"` })
      .catch((error: unknown) => explainKeyFailure(error, client, key, { version }));
    if (options.json) printJson({ deleted: key });
    else process.stdout.write(`deleted ${key}\n`);
  });

  withExamples(
    addClientFlags(program.command('list'))
      .description('list the keys you may see under a prefix (whole segments), with version and expiry; no values')
      .argument('[prefix]', 'a key prefix, such as ci or ci/', '')
      .option('--show-values', 'also fetch and print each value (needs secret:get)')
      .option('--json', 'print JSON'),
    'scoped-secrets list ci',
    'scoped-secrets list ci/deploy --json',
  ).action(async (prefixArgument: string, options: { showValues?: boolean; json?: boolean }, command: Command) => {
    const prefix = prefixArgument.replace(/\/$/, '');
    if (prefix !== '') checkedKey(prefix, 'PREFIX');
    const client = clientFor(command);
    const rows: Array<Record<string, unknown>> = [];
    for await (const item of client.listAll(prefix)) rows.push({ ...item });
    if (options.showValues) {
      await Promise.all(
        rows.map(async (row) => {
          const key = row.key as string;
          row.value = (await client.getSecret(key).catch((error: unknown) => explainKeyFailure(error, client, key))).value;
        }),
      );
    }
    if (options.json) return printJson(rows);
    if (rows.length === 0) {
      const where = prefix === '' ? '' : ` under ${prefix}`;
      const listable = await mayListUnder(client, prefix);
      process.stderr.write(
        listable ? `no secrets${where}\n` : `your token may not list anything${where} (it has no secret:list scope reaching it)\n`,
      );
      return;
    }
    for (const row of rows) {
      const columns = [String(row.key), `v${String(row.version)}`, `expires ${String(row.expires)}`];
      if (options.showValues) columns.push(JSON.stringify(row.value));
      process.stdout.write(`${columns.join('\t')}\n`);
    }
  });

  withExamples(
    addClientFlags(program.command('whoami'))
      .description("show your token's subject, scopes, expiry and jti (the id that token revoke takes)")
      .option('--json', 'print JSON'),
    'scoped-secrets whoami',
    'scoped-secrets whoami --json | jq -r .jti',
  ).action(async (options: { json?: boolean }, command: Command) => {
    const me = await clientFor(command).whoami();
    if (options.json) return printJson(me);
    process.stdout.write(`subject  ${me.subject}\nscopes   ${me.scopes.join(' ')}\nexpires  ${me.expires}\njti      ${me.jti ?? '-'}\n`);
  });
}
