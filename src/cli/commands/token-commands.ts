/** token derive, token list and token revoke, through the API (token create, on the server host, is token-create-command.ts). */
import type { Command } from 'commander';
import { grantedScopeProblem, scopeListProblem } from '../../scopes/grammar';
import { AlignedTable } from '../aligned-table';
import type { ListedToken } from '../client/secrets-client';
import { addClientFlags, clientFor } from '../client-flags';
import { CliError, EXIT_USAGE } from '../exit';
import { printJson, warn, withExamples } from '../output';
import { ttlSeconds } from '../ttl';

const TOKEN_HEADER = ['JTI', 'SUBJECT', 'KIND', 'EXPIRES', 'SCOPES'];

function tokenFields(token: ListedToken): string[] {
  return [token.jti, token.subject, token.kind, token.expires, token.scopes === undefined ? '?' : token.scopes.join(' ')];
}

export const collect = (value: string, previous: string[]) => [...previous, value];

export function checkScopes(scopes: string[]): void {
  if (scopes.length === 0) throw new CliError('give at least one --scope', EXIT_USAGE);
  for (const scope of scopes) {
    const problem = grantedScopeProblem(scope);
    if (problem) throw new CliError(problem, EXIT_USAGE);
  }
  const listProblem = scopeListProblem(scopes);
  if (listProblem) throw new CliError(listProblem, EXIT_USAGE);
}

/** `serverHostCommands` adds the commands of the group that run on the server host (token create). */
export function registerTokenCommands(program: Command, serverHostCommands?: (token: Command) => void): void {
  const token = program.command('token').description('mint, derive and revoke tokens');

  serverHostCommands?.(token);

  withExamples(
    addClientFlags(token.command('derive'))
      .description('derive a narrower, shorter-lived token from yours and print only the token (or --json for its jti and expiry)')
      .option('--subject <subject>', 'another subject (needs token:create:<subject>)')
      .option('--scope <pattern>', 'a scope your token covers; repeat for more', collect, [])
      .requiredOption('--ttl <duration>', "lifetime, such as 10m (capped by your token and the server's maximum)")
      .option('--json', 'print the token with its jti, subject, scopes and expiry as JSON'),
    'scoped-secrets token derive --scope "secret:get:ci/build-42/**" --ttl 10m > /run/task/token',
    'scoped-secrets token derive --scope "secret:get:ci/**" --ttl 1h --json | jq -r .jti',
  ).action(async (options: { subject?: string; scope: string[]; ttl: string; json?: boolean }, command: Command) => {
    checkScopes(options.scope);
    const ttl = ttlSeconds(options.ttl);
    const requestedUntil = Date.now() + ttl * 1000;
    const derived = await clientFor(command).deriveToken({ subject: options.subject, scopes: options.scope, ttl });
    // The server caps the lifetime at the parent's expiry and its maximum; a second of slack absorbs the round trip.
    const expires = Date.parse(derived.expires);
    if (expires < requestedUntil - 1000)
      warn(`the token expires at ${derived.expires}, sooner than --ttl ${options.ttl} asked: capped by your token or the server's maximum`);
    if (options.json) printJson(derived);
    else process.stdout.write(`${derived.token}\n`);
  });

  withExamples(
    addClientFlags(token.command('list'))
      .description(
        'list the valid tokens this server derived or exchanged, by subject: jti, subject, kind, expiry, scopes (needs token:list:<subject>; never prints a token)',
      )
      .argument('[subject]', 'only subjects under this prefix (whole segments)', '')
      .option('--json', 'print a JSON array'),
    'scoped-secrets token list',
    'scoped-secrets token list ci --json',
  ).action(async (subject: string, options: { json?: boolean }, command: Command) => {
    const listed: ListedToken[] = [];
    const table = !options.json && process.stdout.isTTY ? new AlignedTable(TOKEN_HEADER) : undefined;
    let count = 0;
    for await (const found of clientFor(command).listTokens(subject)) {
      count++;
      if (options.json) listed.push(found);
      else if (table) table.add(tokenFields(found));
      else process.stdout.write(`${tokenFields(found).join('\t')}\n`);
    }
    if (options.json) printJson(listed);
    else if (count === 0) process.stderr.write(`no valid tokens you may list${subject ? ` under ${subject}` : ''}\n`);
    else table?.flush();
  });

  withExamples(
    addClientFlags(token.command('revoke'))
      .description('revoke a token, and every token derived from it, by its jti (whoami --json or token derive --json shows it)')
      .argument('<jti>', 'the jti of the token to revoke'),
    'scoped-secrets token revoke 9f86d081884c7d659a2feaa0c55ad015',
  ).action(async (jti: string, _options: unknown, command: Command) => {
    await clientFor(command).revokeToken(jti);
    process.stderr.write(`revoked ${jti}\n`);
  });
}
