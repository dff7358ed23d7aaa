/** --oidc-token-file, --oidc-token-env and --github-oidc: a CI job's own ID token, exchanged for a token of this service instead of a stored one. */
import type { Command } from 'commander';
import { idTokenFromEnv, idTokenFromFile, idTokenFromGitHub, type IdTokenSource } from './client/id-token-sources';
import type { ExchangeSource } from './client/exchanged-token';
import { SecretsClient, serviceUrl, type ClientFlags } from './client/secrets-client';
import { keyProblem } from '../secrets/secret-key';
import { CliError, EXIT_USAGE } from './exit';

export interface OidcOptions {
  oidcTokenFile?: string;
  oidcTokenEnv?: string;
  githubOidc?: boolean;
  trustRule?: string;
}

export function addOidcFlags(command: Command): Command {
  return command
    .option(
      '--oidc-token-file <path>',
      'exchange the OIDC ID token in this file (read again when it changes, as Kubernetes projected tokens are)',
    )
    .option('--oidc-token-env <name>', "exchange the OIDC ID token in this environment variable (GitLab CI: one of the job's id_tokens)")
    .option(
      '--github-oidc',
      'exchange an ID token from GitHub Actions (the job needs "permissions: id-token: write"; audience SECRETS_OIDC_AUDIENCE, default scoped-secrets)',
    )
    .option('--trust-rule <name>', 'exchange under this trust rule alone (without it, the most specific matching rule decides)');
}

/** The ID token source the flags name, with the rule to exchange under; undefined when neither source is given. */
export function exchangeSource(options: OidcOptions): ExchangeSource | undefined {
  const given = [options.oidcTokenFile !== undefined, options.oidcTokenEnv !== undefined, options.githubOidc === true].filter(Boolean);
  if (given.length > 1) throw new CliError('give one of --oidc-token-file, --oidc-token-env and --github-oidc', EXIT_USAGE);
  const problem = options.trustRule === undefined ? undefined : keyProblem(options.trustRule);
  if (problem) throw new CliError(`--trust-rule ${options.trustRule}: ${problem}`, EXIT_USAGE);
  const idToken = sourceOf(options);
  if (idToken === undefined) {
    if (options.trustRule !== undefined) {
      throw new CliError('--trust-rule goes with --oidc-token-file, --oidc-token-env or --github-oidc', EXIT_USAGE);
    }
    return undefined;
  }
  return { idToken, rule: options.trustRule };
}

function sourceOf(options: OidcOptions): IdTokenSource | undefined {
  if (options.oidcTokenFile !== undefined) return idTokenFromFile(options.oidcTokenFile);
  if (options.oidcTokenEnv !== undefined) return idTokenFromEnv(process.env, options.oidcTokenEnv);
  if (options.githubOidc) return idTokenFromGitHub(process.env);
  return undefined;
}

/** A client for the exchange itself: the ID token is the credential, so no bearer token is sent. */
export function exchangeClient(command: Command): SecretsClient {
  return new SecretsClient({ url: serviceUrl(process.env, command.optsWithGlobals<ClientFlags>()), token: '' });
}
