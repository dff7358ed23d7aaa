/**
 * Where a CI job's OIDC ID token comes from: a file, read again when it
 * changes (as Kubernetes projected tokens are rotated), or GitHub Actions'
 * token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL with
 * ACTIONS_ID_TOKEN_REQUEST_TOKEN), asked for the audience this service expects.
 */
import { TokenFile, TokenFileError } from '../proxy/token-file';
import { ClientConfigError, ClientError } from './secrets-client';
import { ConnectionFailure, exchange } from './http-exchange';

export type IdTokenSource = () => Promise<string>;

export const DEFAULT_OIDC_AUDIENCE = 'scoped-secrets';

/** The GitHub Actions variables: withheld from commands `run` starts, like the service's own token. */
export const GITHUB_OIDC_VARIABLES = ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'];

export function idTokenFromFile(file: string): IdTokenSource {
  let tokenFile: TokenFile;
  try {
    tokenFile = new TokenFile(file);
  } catch (error) {
    if (error instanceof TokenFileError) throw new ClientConfigError(`--oidc-token-file: ${error.message}`);
    throw error;
  }
  return () => Promise.resolve(tokenFile.current());
}

/** The ID token a CI system put in an environment variable (GitLab's id_tokens, for one), read once. */
export function idTokenFromEnv(env: NodeJS.ProcessEnv, name: string): IdTokenSource {
  const token = env[name]?.trim();
  if (!token) throw new ClientConfigError(`--oidc-token-env: ${name} is not set or empty (in GitLab CI, declare it under id_tokens)`);
  return () => Promise.resolve(token);
}

export function idTokenFromGitHub(env: NodeJS.ProcessEnv): IdTokenSource {
  const address = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!address || !bearer) {
    throw new ClientConfigError(
      '--github-oidc: ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set (the job needs "permissions: id-token: write")',
    );
  }
  const url = new URL(address);
  url.searchParams.set('audience', env.SECRETS_OIDC_AUDIENCE || DEFAULT_OIDC_AUDIENCE);
  return async () => {
    let reply;
    try {
      reply = await exchange(url, 'GET', { Authorization: `bearer ${bearer}`, Accept: 'application/json' });
    } catch (error) {
      if (error instanceof ConnectionFailure) throw new ClientError(`cannot reach GitHub's ID token endpoint (${error.code})`);
      throw error;
    }
    let value: unknown;
    try {
      value = (JSON.parse(reply.text) as { value?: unknown }).value;
    } catch {
      value = undefined;
    }
    if (reply.status !== 200 || typeof value !== 'string')
      throw new ClientError(`GitHub's ID token endpoint answered HTTP ${reply.status} without a token`);
    return value;
  };
}
