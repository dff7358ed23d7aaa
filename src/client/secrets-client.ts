/**
 * A small typed HTTP client for scoped-secrets, shared by the command line,
 * `run` and `proxy`, and importable by jobs. Reads retry on 503 and on
 * connection errors with backoff; any request is retried when the
 * connection was refused, since then nothing reached the server. Every
 * failure becomes a ClientError with one clear line.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export class ClientError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The client's own settings are wrong (no token, a bad URL): a usage error, not the server's. */
export class ClientConfigError extends ClientError {}

export interface ClientOptions {
  readonly url: string;
  readonly token: string;
  /** Attempts for a retryable failure, the first included. */
  readonly attempts?: number;
  /** The first backoff; it doubles on each retry. */
  readonly backoffMs?: number;
}

export interface SecretMetadata {
  readonly key: string;
  readonly version: number;
  readonly expires: string;
  readonly created: string;
  readonly updated: string;
}

export interface Secret extends SecretMetadata {
  readonly value: Record<string, unknown>;
}

export interface SecretListPage {
  readonly secrets: Array<{ key: string; version: number; expires: string; updated: string }>;
  readonly continuationToken?: string;
}

export interface Whoami {
  readonly subject: string;
  readonly scopes: string[];
  readonly expires: string;
  readonly jti?: string;
}

export interface DerivedToken {
  readonly token: string;
  readonly jti: string;
  readonly subject: string;
  readonly scopes: string[];
  readonly expires: string;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** Reads the token from SECRETS_TOKEN, else from the file SECRETS_TOKEN_FILE names. */
export function tokenFromEnv(env: NodeJS.ProcessEnv): string {
  if (env.SECRETS_TOKEN) return env.SECRETS_TOKEN.trim();
  if (env.SECRETS_TOKEN_FILE) {
    let token: string;
    try {
      token = fs.readFileSync(env.SECRETS_TOKEN_FILE, 'utf8').trim();
    } catch (error) {
      throw new ClientConfigError(`cannot read SECRETS_TOKEN_FILE ${env.SECRETS_TOKEN_FILE} (${(error as NodeJS.ErrnoException).code})`);
    }
    if (token === '') throw new ClientConfigError(`SECRETS_TOKEN_FILE ${env.SECRETS_TOKEN_FILE} is empty`);
    return token;
  }
  throw new ClientConfigError('set SECRETS_TOKEN or SECRETS_TOKEN_FILE');
}

/** SECRETS_URL (default http://127.0.0.1:8080), and SECRETS_TOKEN or SECRETS_TOKEN_FILE. */
export function clientOptionsFromEnv(env: NodeJS.ProcessEnv): ClientOptions {
  const url = (env.SECRETS_URL || DEFAULT_URL).replace(/\/+$/, '');
  try {
    new URL(url);
  } catch {
    throw new ClientConfigError(`SECRETS_URL is not a URL: ${url}`);
  }
  return { url, token: tokenFromEnv(env) };
}

const RETRYABLE_METHODS = new Set(['GET', 'HEAD']);

function connectionErrorCode(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

export class SecretsClient {
  private readonly attempts: number;
  private readonly backoffMs: number;

  constructor(private readonly options: ClientOptions) {
    this.attempts = options.attempts ?? 4;
    this.backoffMs = options.backoffMs ?? 200;
  }

  async request<T>(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.attempts;
      let response: Response;
      try {
        response = await fetch(`${this.options.url}${path}`, {
          method,
          headers: {
            Authorization: `Bearer ${this.options.token}`,
            ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
            ...init.headers,
          },
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
        });
      } catch (error) {
        const code = connectionErrorCode(error);
        const unsent = code === 'ECONNREFUSED';
        if (!last && (unsent || RETRYABLE_METHODS.has(method))) {
          await sleep(this.backoffMs * 2 ** (attempt - 1));
          continue;
        }
        throw new ClientError(`cannot reach ${this.options.url} (${code})`);
      }
      if (response.status === 503 && !last && RETRYABLE_METHODS.has(method)) {
        await response.body?.cancel();
        const retryAfter = Number(response.headers.get('retry-after'));
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 5000) : this.backoffMs * 2 ** (attempt - 1));
        continue;
      }
      return this.parse<T>(response);
    }
  }

  private async parse<T>(response: Response): Promise<T> {
    const text = await response.text();
    if (response.ok) return (text === '' ? undefined : JSON.parse(text)) as T;
    let error: { code?: string; message?: string } = {};
    try {
      error = JSON.parse(text) as typeof error;
    } catch {
      // Not one of our error bodies: a proxy or another server answered.
    }
    if (typeof error.code === 'string') {
      throw new ClientError(`${error.code}: ${error.message ?? ''}`.trim(), response.status, error.code);
    }
    throw new ClientError(`HTTP ${response.status} from ${this.options.url}`, response.status);
  }

  getSecret(key: string, options: { version?: number } = {}): Promise<Secret> {
    const query = options.version === undefined ? '' : `?version=${options.version}`;
    return this.request<Secret>('GET', `/v1/secret/${key}${query}`);
  }

  putSecret(
    key: string,
    value: Record<string, unknown>,
    expires: string,
    preconditions: { ifMatch?: string; ifNoneMatch?: string } = {},
  ): Promise<SecretMetadata> {
    const headers: Record<string, string> = {};
    if (preconditions.ifMatch) headers['If-Match'] = preconditions.ifMatch;
    if (preconditions.ifNoneMatch) headers['If-None-Match'] = preconditions.ifNoneMatch;
    return this.request<SecretMetadata>('PUT', `/v1/secret/${key}`, { body: { value, expires }, headers });
  }

  deleteSecret(key: string, preconditions: { ifMatch?: string } = {}): Promise<void> {
    return this.request<void>('DELETE', `/v1/secret/${key}`, {
      headers: preconditions.ifMatch ? { 'If-Match': preconditions.ifMatch } : {},
    });
  }

  listSecrets(prefix: string, options: { limit?: number; continuationToken?: string } = {}): Promise<SecretListPage> {
    const query = new URLSearchParams();
    if (prefix) query.set('prefix', prefix);
    if (options.limit) query.set('limit', String(options.limit));
    if (options.continuationToken) query.set('continuationToken', options.continuationToken);
    const text = query.toString();
    return this.request<SecretListPage>('GET', `/v1/secrets${text ? `?${text}` : ''}`);
  }

  /** Every page of a listing, in key order. */
  async *listAll(prefix: string): AsyncGenerator<SecretListPage['secrets'][number]> {
    let continuationToken: string | undefined;
    do {
      const page = await this.listSecrets(prefix, { limit: 1000, continuationToken });
      yield* page.secrets;
      continuationToken = page.continuationToken;
    } while (continuationToken);
  }

  whoami(): Promise<Whoami> {
    return this.request<Whoami>('GET', '/v1/whoami');
  }

  deriveToken(request: { subject?: string; scopes: string[]; ttl: number }): Promise<DerivedToken> {
    return this.request<DerivedToken>('POST', '/v1/tokens', { body: request });
  }

  revokeToken(jti: string): Promise<void> {
    return this.request<void>('POST', '/v1/tokens/revoke', { body: { jti } });
  }
}
