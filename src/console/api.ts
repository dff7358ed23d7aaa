/** The public /v1 API with the pasted token, and nothing else: no cookies, no private endpoints. */
import { currentToken } from './session';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** An error as the page shows it: the API's code and message, or what went wrong on the way. */
export function describeError(error: unknown): string {
  return error instanceof ApiError ? `${error.code}: ${error.message}` : String(error);
}

export interface Reply<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** A path the console may send its token to: under /v1/, with no dot segment that the browser would resolve elsewhere. */
function isApiPath(path: string): boolean {
  const [route = ''] = path.split('?');
  return route.startsWith('/v1/') && route.split('/').every((segment) => !/^(\.|%2e){1,2}$/i.test(segment));
}

export async function api<T>(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; token?: string } = {},
): Promise<Reply<T>> {
  if (!isApiPath(path)) throw new ApiError(400, 'InvalidKey', 'the console sends requests to /v1 paths only');
  const token = options.token ?? currentToken();
  const headers: Record<string, string> = { ...options.headers };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    credentials: 'omit',
    cache: 'no-store',
  });
  const text = await response.text();
  const body = text === '' ? undefined : (JSON.parse(text) as unknown);
  if (!response.ok) {
    const error = (body ?? {}) as { code?: string; message?: string; details?: Record<string, unknown> };
    throw new ApiError(response.status, error.code ?? 'Error', error.message ?? `HTTP ${response.status}`, error.details);
  }
  return { status: response.status, body: body as T, headers: response.headers };
}

/** A key in a URL path: its slashes stay, each segment is escaped. */
export function keyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

export interface Whoami {
  subject: string;
  scopes: string[];
  expires: string;
  jti?: string;
}

export interface SecretMetadata {
  key: string;
  version: number;
  expires: string;
  updated: string;
  created?: string;
}

export interface Secret extends SecretMetadata {
  value: Record<string, unknown>;
  created: string;
}

export interface AuditEvent {
  id: number;
  time: string;
  subject: string | null;
  action: string;
  key: string | null;
  outcome: number;
  client: string | null;
}

export interface TrustRule {
  name: string;
  issuer: string;
  claims: Record<string, string>;
  scopes: string[];
  subject?: string;
  ttl: number;
  description?: string;
}
