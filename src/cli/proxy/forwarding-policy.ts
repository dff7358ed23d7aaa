/**
 * What the auth proxy forwards. It attaches a task's token to requests from
 * anything that can reach it, a web page through DNS rebinding included,
 * so by default it passes only reads: secrets, listings and whoami. Writes,
 * token minting and revocation, the audit trail and drawing dynamic
 * credentials (with their leases' renewal and revocation) pass only when the
 * proxy was started with `--allow` naming them: a minted token would work
 * without the proxy, outliving the task's reason to hold it.
 */

export const PROXY_CAPABILITIES = [
  'secret:get',
  'secret:list',
  'secret:set',
  'secret:delete',
  'token:create',
  'token:revoke',
  'audit:read',
  'dynamic:lease',
] as const;
export type ProxyCapability = (typeof PROXY_CAPABILITIES)[number];
export const DEFAULT_CAPABILITIES: readonly ProxyCapability[] = ['secret:get', 'secret:list'];

export function isProxyCapability(text: string): text is ProxyCapability {
  return (PROXY_CAPABILITIES as readonly string[]).includes(text);
}

/** The capability a request needs; 'always' for whoami and the OpenAPI document; undefined for no API route. */
function capabilityOf(method: string, path: string): ProxyCapability | 'always' | undefined {
  if (method === 'GET' && (path === '/v1/whoami' || path === '/v1/openapi.json')) return 'always';
  if (path.startsWith('/v1/secret/')) {
    if (method === 'GET') return 'secret:get';
    if (method === 'PUT') return 'secret:set';
    if (method === 'DELETE') return 'secret:delete';
    return undefined;
  }
  if (method === 'GET' && path === '/v1/secrets') return 'secret:list';
  if (method === 'GET' && path === '/v1/audit') return 'audit:read';
  if (method === 'POST' && path === '/v1/tokens') return 'token:create';
  if (method === 'POST' && path === '/v1/tokens/revoke') return 'token:revoke';
  // Drawing makes a credential on a database or broker: like a write, it passes only when named.
  if (method === 'POST' && path.startsWith('/v1/creds/')) return 'dynamic:lease';
  if (path === '/v1/leases' && method === 'GET') return 'dynamic:lease';
  if (/^\/v1\/leases\/[^/]+$/.test(path) && (method === 'GET' || method === 'DELETE')) return 'dynamic:lease';
  if (/^\/v1\/leases\/[^/]+\/renew$/.test(path) && method === 'POST') return 'dynamic:lease';
  return undefined;
}

export type Refusal = { readonly status: 400 | 403 | 404; readonly code: string; readonly message: string };

export interface ProxiedRequest {
  readonly method: string;
  /** The request target as sent, query included. */
  readonly url: string;
  readonly host: string | undefined;
  readonly origin: string | undefined;
}

/** `%2e`, `%2f` and `%5c` in any case: encoded dots and slashes that an upstream might decode into a path step. */
const ENCODED_DOT_OR_SLASH = /%(2e|2f|5c)/i;

/** Why the proxy refuses the request, or undefined when it forwards it. */
/** GET /healthz is the proxy's own, answered without the upstream, so that a task can wait for the proxy. */
export function isProxyHealthCheck(method: string, path: string): boolean {
  return path === '/healthz' && (method === 'GET' || method === 'HEAD');
}

export function refusal(
  request: ProxiedRequest,
  rules: { acceptsHost: (host: string) => boolean; allowed: ReadonlySet<ProxyCapability> },
): Refusal | undefined {
  if (request.origin !== undefined) {
    return { status: 403, code: 'Forbidden', message: 'the proxy does not serve requests from web pages (an Origin header was sent)' };
  }
  if (request.host === undefined || !rules.acceptsHost(request.host.toLowerCase())) {
    return { status: 403, code: 'Forbidden', message: "the Host header must name the proxy's listen address" };
  }
  const path = request.url.split('?')[0] ?? '';
  if (isProxyHealthCheck(request.method, path)) return undefined;
  if (!path.startsWith('/v1/')) return { status: 404, code: 'NotFound', message: 'the proxy forwards /v1/ only' };
  if (path.includes('\\') || ENCODED_DOT_OR_SLASH.test(path) || path.split('/').some((segment) => segment === '.' || segment === '..')) {
    return {
      status: 400,
      code: 'InvalidRequest',
      message: 'the path must not hold . or .. segments, backslashes, or encoded dots or slashes',
    };
  }
  const needed = capabilityOf(request.method, path);
  if (needed === undefined) return { status: 404, code: 'NotFound', message: `the proxy forwards no ${request.method} ${path}` };
  if (needed !== 'always' && !rules.allowed.has(needed)) {
    return {
      status: 403,
      code: 'Forbidden',
      message: `the proxy does not forward ${request.method} ${path}; start it with --allow ${needed}`,
    };
  }
  return undefined;
}

/**
 * Which Host values name the listen address: the address itself, and for
 * loopback also localhost. On a wildcard address (only with --allow-remote)
 * the proxy cannot know its names: any host on the right port.
 */
export function hostMatcher(listenHost: string, port: number): (host: string) => boolean {
  if (listenHost === '0.0.0.0' || listenHost === '::') return (host) => host.endsWith(`:${port}`);
  const hosts = new Set([`${listenHost.includes(':') ? `[${listenHost}]` : listenHost}:${port}`.toLowerCase()]);
  if (listenHost === 'localhost' || listenHost === '::1' || /^127\./.test(listenHost)) {
    for (const name of ['localhost', '127.0.0.1', '[::1]']) hosts.add(`${name}:${port}`);
  }
  return (host) => hosts.has(host);
}
