/**
 * A small typed HTTP client for scoped-secrets, shared by the command line,
 * `run` and `proxy`, and importable by jobs. Reads retry on 503 and 429
 * (after Retry-After) and on connection errors with backoff; any request is retried when the
 * connection was refused, since then nothing reached the server. Every
 * failure becomes a ClientError with one clear line.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectionFailure, exchange, type HttpReply } from './http-exchange';
import { plainHttpProblem, warnIfShared } from './credential-safety';

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

export interface Lease {
  readonly id: string;
  readonly backend: string;
  readonly subject: string;
  readonly expires: string;
  readonly renewableUntil: string;
  readonly state: 'active' | 'revoking';
  readonly lastError?: string;
}

export interface DrawnCredential {
  readonly lease: Lease;
  readonly credential: { readonly username: string; readonly password: string; readonly url?: string };
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

/** A valid token as GET /v1/tokens lists it: never the token itself. */
export interface ListedToken {
  readonly jti: string;
  readonly subject: string;
  readonly kind: 'derived' | 'exchanged';
  readonly scopes?: string[];
  readonly parent: string | null;
  readonly created: string;
  readonly expires: string;
}

export interface TokenListPage {
  readonly tokens: ListedToken[];
  readonly continuationToken?: string;
}

export interface AuditEvent {
  readonly id: number;
  readonly time: string;
  readonly subject: string | null;
  readonly jti: string | null;
  readonly action: string;
  readonly key: string | null;
  readonly outcome: number;
  readonly requestId: string | null;
  readonly client: string | null;
}

export interface AuditQuery {
  readonly key?: string;
  readonly subject?: string;
  readonly since?: string;
  readonly order?: 'oldest' | 'newest';
  readonly limit?: number;
  readonly continuationToken?: string;
}

export interface AuditPage {
  readonly events: AuditEvent[];
  readonly continuationToken?: string;
}

export interface CreatedWrap {
  readonly wrapToken: string;
  readonly expires: string;
  readonly key?: string;
}

export interface WrapInfo {
  readonly key?: string;
  readonly created: string;
  readonly expires: string;
  readonly creator: string;
}

export interface Unwrapped extends WrapInfo {
  readonly value: Record<string, unknown>;
}

export interface ExchangedToken extends DerivedToken {
  readonly rules: string[];
}

export interface TrustRule {
  readonly name: string;
  readonly issuer: string;
  readonly claims: Record<string, string>;
  readonly scopes: string[];
  readonly subject?: string;
  readonly ttl: number;
  readonly description?: string;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** Flags given on the command line; each wins over its environment variable. */
export interface ClientFlags {
  readonly url?: string;
  readonly tokenFile?: string;
}

function readTokenFile(file: string, from: string): string {
  let token: string;
  try {
    token = fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ClientConfigError(`cannot read ${from} ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
  if (token === '') throw new ClientConfigError(`${from} ${file} is empty`);
  warnIfShared(file, from);
  return token;
}

/** The token from --token-file, else SECRETS_TOKEN, else the file SECRETS_TOKEN_FILE names. */
export function tokenFromEnv(env: NodeJS.ProcessEnv, flags: ClientFlags = {}): string {
  if (flags.tokenFile !== undefined) return readTokenFile(flags.tokenFile, '--token-file');
  if (env.SECRETS_TOKEN) return env.SECRETS_TOKEN.trim();
  if (env.SECRETS_TOKEN_FILE) return readTokenFile(env.SECRETS_TOKEN_FILE, 'SECRETS_TOKEN_FILE');
  throw new ClientConfigError('no token: set SECRETS_TOKEN or SECRETS_TOKEN_FILE, or give --token-file');
}

/**
 * The service's base URL from --url, else SECRETS_URL (default
 * http://127.0.0.1:8080). A trailing /v1 is dropped: people paste the API's
 * address as often as the service's. Plain http only on loopback, unless
 * SECRETS_ALLOW_INSECURE_HTTP=true.
 */
export function serviceUrl(env: NodeJS.ProcessEnv, flags: ClientFlags = {}): string {
  const from = flags.url !== undefined ? '--url' : 'SECRETS_URL';
  const url = (flags.url ?? (env.SECRETS_URL || DEFAULT_URL)).replace(/\/+$/, '').replace(/\/v1$/, '');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ClientConfigError(`${from} is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new ClientConfigError(`${from} must be an http:// or https:// URL: ${url}`);
  if (parsed.search !== '' || parsed.hash !== '') throw new ClientConfigError(`${from} must not have a query or fragment: ${url}`);
  const problem = plainHttpProblem(parsed, env);
  if (problem) throw new ClientConfigError(`${from}: ${problem}`);
  return url;
}

/** --url/--token-file, else SECRETS_URL and SECRETS_TOKEN or SECRETS_TOKEN_FILE. */
export function clientOptionsFromEnv(env: NodeJS.ProcessEnv, flags: ClientFlags = {}): ClientOptions {
  return { url: serviceUrl(env, flags), token: tokenFromEnv(env, flags) };
}

const RETRYABLE_METHODS = new Set(['GET', 'HEAD']);
/** A Retry-After longer than this is cut short: a command line should fail rather than hang. */
const MAX_RETRY_AFTER_MS = 10_000;

export interface TrustIssuer {
  readonly name: string;
  readonly issuer: string;
  readonly audience: string;
}

export class SecretsClient {
  private readonly attempts: number;
  private readonly backoffMs: number;

  get url(): string {
    return this.options.url;
  }

  constructor(private readonly options: ClientOptions) {
    this.attempts = options.attempts ?? 4;
    this.backoffMs = options.backoffMs ?? 200;
  }

  async request<T>(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
    const headers: Record<string, string> = {
      ...(this.options.token === '' ? {} : { Authorization: `Bearer ${this.options.token}` }),
      ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...init.headers,
    };
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.attempts;
      let reply: HttpReply;
      try {
        reply = await exchange(new URL(`${this.options.url}${path}`), method, headers, body);
      } catch (error) {
        if (!(error instanceof ConnectionFailure)) throw error;
        const unsent = error.code === 'ECONNREFUSED';
        if (!last && (unsent || RETRYABLE_METHODS.has(method))) {
          await sleep(this.backoffMs * 2 ** (attempt - 1));
          continue;
        }
        throw new ClientError(`cannot reach ${this.options.url} (${error.code})`);
      }
      if ((reply.status === 503 || reply.status === 429) && !last && RETRYABLE_METHODS.has(method)) {
        const retryAfter = Number(reply.headers['retry-after']);
        await sleep(
          Number.isFinite(retryAfter) && retryAfter > 0
            ? Math.min(retryAfter * 1000, MAX_RETRY_AFTER_MS)
            : this.backoffMs * 2 ** (attempt - 1),
        );
        continue;
      }
      return this.parse<T>(reply);
    }
  }

  private parse<T>({ status, text }: HttpReply): T {
    if (status >= 200 && status < 300) return (text === '' ? undefined : JSON.parse(text)) as T;
    let error: { code?: string; message?: string } = {};
    try {
      error = JSON.parse(text) as typeof error;
    } catch {
      // Not one of our error bodies: a proxy or another server answered.
    }
    if (typeof error.code === 'string') {
      throw new ClientError(`${error.code}: ${error.message ?? ''}`.trim(), status, error.code);
    }
    throw new ClientError(`HTTP ${status} from ${this.options.url}`, status);
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

  /** Every lease under a backend prefix that the caller may see, page after page. */
  async *listLeases(prefix: string): AsyncGenerator<Lease> {
    let continuationToken: string | undefined;
    do {
      const query = new URLSearchParams({ limit: '1000' });
      if (prefix) query.set('prefix', prefix);
      if (continuationToken) query.set('continuationToken', continuationToken);
      const page = await this.request<{ leases: Lease[]; continuationToken?: string }>('GET', `/v1/leases?${query.toString()}`);
      yield* page.leases;
      continuationToken = page.continuationToken;
    } while (continuationToken);
  }

  /** Marks for revocation the leases of every backend at `prefix` or under it that the caller may revoke; how many. */
  async revokeLeasesUnder(prefix: string): Promise<number> {
    return (await this.request<{ revoking: number }>('POST', '/v1/leases/revoke', { body: { prefix } })).revoking;
  }

  /** Every valid token under a subject prefix that the caller may list, page after page. */
  async *listTokens(subject: string): AsyncGenerator<ListedToken> {
    let continuationToken: string | undefined;
    do {
      const query = new URLSearchParams({ limit: '1000' });
      if (subject) query.set('subject', subject);
      if (continuationToken) query.set('continuationToken', continuationToken);
      const page = await this.request<TokenListPage>('GET', `/v1/tokens?${query.toString()}`);
      yield* page.tokens;
      continuationToken = page.continuationToken;
    } while (continuationToken);
  }

  listAuditEvents(query: AuditQuery = {}): Promise<AuditPage> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
    const text = params.toString();
    return this.request<AuditPage>('GET', `/v1/audit${text ? `?${text}` : ''}`);
  }

  /** Wraps a copy of `key`'s current value, or `value`, for one reader. */
  wrap(request: { key: string; ttl: number } | { value: Record<string, unknown>; ttl: number }): Promise<CreatedWrap> {
    return this.request<CreatedWrap>('POST', '/v1/wrap', { body: request });
  }

  /** Takes the wrapped value, once (no bearer token needed: make the client with token ''). Never retried once sent. */
  unwrap(wrapToken: string): Promise<Unwrapped> {
    return this.request<Unwrapped>('POST', '/v1/unwrap', { body: { wrapToken } });
  }

  lookupWrap(wrapToken: string): Promise<WrapInfo> {
    return this.request<WrapInfo>('POST', '/v1/wrap/lookup', { body: { wrapToken } });
  }

  /** A token of this service for a CI provider's ID token, under `rule` when named (no bearer token needed: make the client with token ''). */
  exchange(idToken: string, rule?: string): Promise<ExchangedToken> {
    return this.request<ExchangedToken>('POST', '/v1/tokens/exchange', {
      body: { token: idToken, ...(rule === undefined ? {} : { rule }) },
    });
  }

  putTrustRule(name: string, rule: Omit<TrustRule, 'name'>): Promise<TrustRule> {
    return this.request<TrustRule>('PUT', `/v1/trust/${name}`, { body: rule });
  }

  getTrustRule(name: string): Promise<TrustRule> {
    return this.request<TrustRule>('GET', `/v1/trust/${name}`);
  }

  deleteTrustRule(name: string): Promise<void> {
    return this.request<void>('DELETE', `/v1/trust/${name}`);
  }

  async listTrustRules(): Promise<TrustRule[]> {
    return (await this.request<{ rules: TrustRule[] }>('GET', '/v1/trust')).rules;
  }

  /** The OIDC issuers the server trusts, which rules name. */
  async listTrustIssuers(): Promise<TrustIssuer[]> {
    return (await this.request<{ issuers: TrustIssuer[] }>('GET', '/v1/trust/issuers')).issuers;
  }

  /** The server's version from /healthz (no token needed). */
  async serverVersion(): Promise<string | undefined> {
    const health = await this.request<{ version?: string }>('GET', '/healthz');
    return health.version;
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

  /** A new credential from a dynamic backend, and its lease; `ttl` in seconds, the backend's default without it. */
  drawCredential(key: string, ttl?: number): Promise<DrawnCredential> {
    return this.request<DrawnCredential>('POST', `/v1/creds/${key}`, { body: ttl === undefined ? {} : { ttl } });
  }

  renewLease(id: string, ttl?: number): Promise<Lease> {
    return this.request<Lease>('POST', `/v1/leases/${id}/renew`, { body: ttl === undefined ? {} : { ttl } });
  }

  /** Revokes the lease: true when its credential is gone, false when the revocation is pending at the server. */
  async revokeLease(id: string): Promise<boolean> {
    return (await this.request<Lease | undefined>('DELETE', `/v1/leases/${id}`)) === undefined;
  }
}
