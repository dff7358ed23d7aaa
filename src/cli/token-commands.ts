/** token create (offline, signed with the configured key), token derive and token revoke (through the API). */
import type { Command } from 'commander';
import { systemClock } from '../clock';
import { loadConfig } from '../config';
import { parseDuration } from '../durations';
import { keyProblem } from '../keys';
import { grantedScopeProblem, scopeListProblem } from '../scopes/grammar';
import { clientOptionsFromEnv, SecretsClient } from '../client/secrets-client';
import { CliError, EXIT_USAGE } from './exit';

const collect = (value: string, previous: string[]) => [...previous, value];

function ttlSeconds(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new CliError(`--ttl must be <n>s, <n>m, <n>h or <n>d, not "${text}"`, EXIT_USAGE);
  return ms / 1000;
}

function checkScopes(scopes: string[]): void {
  if (scopes.length === 0) throw new CliError('give at least one --scope', EXIT_USAGE);
  for (const scope of scopes) {
    const problem = grantedScopeProblem(scope);
    if (problem) throw new CliError(problem, EXIT_USAGE);
  }
  const listProblem = scopeListProblem(scopes);
  if (listProblem) throw new CliError(listProblem, EXIT_USAGE);
}

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('mint, derive and revoke tokens');

  token
    .command('create')
    .description('sign a token offline with the configured key and print only the token')
    .requiredOption('--subject <subject>', 'the token subject (key grammar)')
    .option('--scope <pattern>', 'a granted scope; repeat for more', collect, [])
    .requiredOption('--ttl <duration>', 'lifetime, such as 1h or 30d')
    .addHelpText('after', '\nExample:\n  scoped-secrets token create --subject ci-admin --scope "secret:*:ci/**" --scope "token:create:ci/**" --ttl 30d')
    .action(async (options: { subject: string; scope: string[]; ttl: string }) => {
      const subjectProblem = keyProblem(options.subject);
      if (subjectProblem) throw new CliError(`--subject: ${subjectProblem}`, EXIT_USAGE);
      checkScopes(options.scope);
      const { createSigner } = await import('../tokens/token-keys');
      const { withGeneratedSecret } = await import('../server/first-start');
      const config = withGeneratedSecret(loadConfig(process.env));
      const signed = createSigner(config, systemClock).sign({
        subject: options.subject,
        scopes: options.scope,
        ttlSeconds: ttlSeconds(options.ttl),
      });
      process.stdout.write(`${signed.token}\n`);
    });

  token
    .command('derive')
    .description('derive a narrower, shorter-lived token from yours (SECRETS_URL, SECRETS_TOKEN or SECRETS_TOKEN_FILE)')
    .option('--subject <subject>', 'another subject (needs token:create:<subject>)')
    .option('--scope <pattern>', 'a scope your token covers; repeat for more', collect, [])
    .requiredOption('--ttl <duration>', 'lifetime, such as 10m (capped by your token and SECRETS_MAX_TOKEN_TTL)')
    .addHelpText('after', '\nExample:\n  scoped-secrets token derive --scope "secret:get:ci/build-42/**" --ttl 10m')
    .action(async (options: { subject?: string; scope: string[]; ttl: string }) => {
      checkScopes(options.scope);
      const client = new SecretsClient(clientOptionsFromEnv(process.env));
      const derived = await client.deriveToken({ subject: options.subject, scopes: options.scope, ttl: ttlSeconds(options.ttl) });
      process.stdout.write(`${derived.token}\n`);
    });

  token
    .command('revoke')
    .description('revoke a token, and every token derived from it, by its jti')
    .argument('<jti>', 'the jti of the token to revoke')
    .action(async (jti: string) => {
      await new SecretsClient(clientOptionsFromEnv(process.env)).revokeToken(jti);
      process.stderr.write(`revoked ${jti}\n`);
    });
}
