/** login (exchange a CI job's ID token), and trust put|get|delete|list: the rules that map CI identities to scopes. */
import type { Command } from 'commander';
import { exchangeOnce } from '../client/exchanged-token';
import type { TrustRule } from '../client/secrets-client';
import { addClientFlags, clientFor } from '../client-flags';
import { checkedKey } from './client-commands';
import { CliError, EXIT_USAGE } from '../exit';
import { addOidcFlags, exchangeClient, exchangeSource, type OidcOptions } from '../oidc-flags';
import { printJson, withExamples } from '../output';
import { readJsonObject } from '../read-secret-input';

export function registerTrustCommands(program: Command): void {
  withExamples(
    addOidcFlags(program.command('login'))
      .description("exchange a CI job's OIDC ID token for a token of this service, under the trust rules it matches, and print the token")
      .option('--url <url>', 'the service (SECRETS_URL; default http://127.0.0.1:8080)')
      .option('--json', 'print the token with its jti, subject, scopes, expiry and the rules that matched'),
    'scoped-secrets login --oidc-token-file /var/run/secrets/tokens/scoped-secrets > /run/task/token',
    'scoped-secrets login --github-oidc --json',
  ).action(async (options: OidcOptions & { json?: boolean }, command: Command) => {
    const source = exchangeSource(options);
    if (!source) throw new CliError('give --oidc-token-file, --oidc-token-env or --github-oidc', EXIT_USAGE);
    const exchanged = await exchangeOnce(exchangeClient(command), source);
    if (options.json) printJson(exchanged);
    else process.stdout.write(`${exchanged.token}\n`);
  });

  const trust = program.command('trust').description('trust rules: which CI identities (OIDC ID token claims) get which scopes');

  withExamples(
    addClientFlags(trust.command('put'))
      .description('create or replace a rule from a JSON file (needs trust:set:NAME, and to cover every scope the rule can grant)')
      .argument('<name>', 'the rule name (key grammar)')
      .requiredOption(
        '--file <path>',
        'the rule as JSON: {"issuer", "claims", "scopes", "subject"?, "ttl", "description"?}; - reads standard input',
      ),
    'scoped-secrets trust put gh/deploy --file rule.json',
  ).action(async (name: string, options: { file: string }, command: Command) => {
    const rule = readJsonObject(options.file) as Omit<TrustRule, 'name'>;
    printJson(await clientFor(command).putTrustRule(checkedKey(name, 'NAME'), rule));
  });

  withExamples(
    addClientFlags(trust.command('get')).description('print a rule as JSON (needs trust:get:NAME)').argument('<name>', 'the rule name'),
    'scoped-secrets trust get gh/deploy',
  ).action(async (name: string, _options: unknown, command: Command) => {
    printJson(await clientFor(command).getTrustRule(checkedKey(name, 'NAME')));
  });

  withExamples(
    addClientFlags(trust.command('delete')).description('delete a rule (needs trust:delete:NAME)').argument('<name>', 'the rule name'),
    'scoped-secrets trust delete gh/deploy',
  ).action(async (name: string, _options: unknown, command: Command) => {
    await clientFor(command).deleteTrustRule(checkedKey(name, 'NAME'));
    process.stdout.write(`deleted ${name}\n`);
  });

  withExamples(
    addClientFlags(trust.command('list'))
      .description('list the rules you may get: name, issuer, ttl, scopes')
      .option('--json', 'print JSON'),
    'scoped-secrets trust list',
  ).action(async (options: { json?: boolean }, command: Command) => {
    const rules = await clientFor(command).listTrustRules();
    if (options.json) return printJson(rules);
    for (const rule of rules) process.stdout.write(`${rule.name}\t${rule.issuer}\t${rule.ttl}s\t${rule.scopes.join(' ')}\n`);
  });

  withExamples(
    addClientFlags(trust.command('issuers'))
      .description(
        'list the OIDC issuers the server trusts, which rules name: name, issuer URL, audience (needs a trust:get or trust:set scope)',
      )
      .option('--json', 'print JSON'),
    'scoped-secrets trust issuers',
  ).action(async (options: { json?: boolean }, command: Command) => {
    const issuers = await clientFor(command).listTrustIssuers();
    if (options.json) return printJson(issuers);
    if (issuers.length === 0) {
      process.stderr.write('no OIDC issuer is configured on the server (its SECRETS_OIDC_ISSUERS names them)\n');
      return;
    }
    for (const issuer of issuers) process.stdout.write(`${issuer.name}\t${issuer.issuer}\t${issuer.audience}\n`);
  });
}
