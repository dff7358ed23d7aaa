/**
 * A small typed HTTP client for scoped-secrets, shared by the command line.
 * Every failure becomes a ClientError with one clear line: the server's
 * `code: message`, or what went wrong on the way there.
 */
import fs from 'node:fs';

export class ClientError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  readonly url: string;
  readonly token: string;
}

/** SECRETS_URL (default http://127.0.0.1:8080), and SECRETS_TOKEN or SECRETS_TOKEN_FILE. */
export function clientOptionsFromEnv(env: NodeJS.ProcessEnv): ClientOptions {
  const url = env.SECRETS_URL || 'http://127.0.0.1:8080';
  let token = env.SECRETS_TOKEN;
  if (!token && env.SECRETS_TOKEN_FILE) {
    try {
      token = fs.readFileSync(env.SECRETS_TOKEN_FILE, 'utf8').trim();
    } catch (error) {
      throw new ClientError(`cannot read SECRETS_TOKEN_FILE ${env.SECRETS_TOKEN_FILE} (${(error as NodeJS.ErrnoException).code})`);
    }
  }
  if (!token) throw new ClientError('set SECRETS_TOKEN or SECRETS_TOKEN_FILE');
  return { url: url.replace(/\/+$/, ''), token };
}

export class SecretsClient {
  constructor(private readonly options: ClientOptions) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.options.url}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${this.options.token}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new ClientError(`cannot reach ${this.options.url} (${cause})`);
    }
    const text = await response.text();
    if (!response.ok) {
      let detail = `HTTP ${response.status}`;
      try {
        const error = JSON.parse(text) as { code?: string; message?: string };
        if (error.code) throw new ClientError(`${error.code}: ${error.message ?? ''}`.trim(), response.status, error.code);
      } catch (parsed) {
        if (parsed instanceof ClientError) throw parsed;
        detail = `HTTP ${response.status} from ${this.options.url}`;
      }
      throw new ClientError(detail, response.status);
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  deriveToken(request: { subject?: string; scopes: string[]; ttl: number }) {
    return this.request<{ token: string; jti: string; subject: string; scopes: string[]; expires: string }>('POST', '/v1/tokens', request);
  }

  revokeToken(jti: string) {
    return this.request<void>('POST', '/v1/tokens/revoke', { jti });
  }
}
