/**
 * A local auth proxy for CI tasks: forwards /v1/... to the upstream service,
 * streaming both ways, with the Authorization header replaced by the token
 * from a file, so the task itself never holds the token. What it forwards,
 * and for which Host, is decided by the forwarding policy.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import { isProxyHealthCheck, refusal, type ProxyCapability } from './forwarding-policy';
import { PROBLEM_CONTENT_TYPE, problemBody } from '../../common/problem-details';

/** Hop-by-hop headers (RFC 9110 section 7.6.1) and the caller's credentials never travel upstream. */
const DROPPED_REQUEST_HEADERS = [
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
  'authorization',
  'host',
];
const DROPPED_RESPONSE_HEADERS = ['connection', 'keep-alive', 'proxy-authenticate', 'trailer', 'upgrade'];

function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify(problemBody({ status, code, message, requestId: randomUUID() }));
  res.writeHead(status, {
    'Content-Type': PROBLEM_CONTENT_TYPE,
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

export interface ProxyRules {
  readonly allowed: ReadonlySet<ProxyCapability>;
  /** Set once the proxy listens and knows its port. */
  acceptsHost: (host: string) => boolean;
}

/** Where the token the proxy attaches comes from: a file, or a token exchanged for the job's ID token. */
export interface TokenSource {
  current(): string;
}

export function createAuthProxy(deps: { upstream: URL; token: TokenSource; logger: Logger; rules: ProxyRules }): http.Server {
  const { upstream, token, logger, rules } = deps;
  const transport = upstream.protocol === 'https:' ? https : http;
  const basePath = upstream.pathname.replace(/\/+$/, '');

  return http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const url = req.url ?? '/';
    const path = url.split('?')[0];
    res.on('finish', () => {
      logger.info(
        { method: req.method, path, status: res.statusCode, durationMs: Number(process.hrtime.bigint() - started) / 1e6 },
        'proxied',
      );
    });
    const refused = refusal({ method: req.method ?? '', url, host: req.headers.host, origin: req.headers.origin }, rules);
    if (refused) {
      sendError(res, refused.status, refused.code, refused.message);
      return;
    }
    if (isProxyHealthCheck(req.method ?? '', path ?? '')) {
      // The proxy's own liveness, so that a task can wait for it before its first read; the upstream is not asked.
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : '{"status":"ok"}');
      return;
    }
    const headers: http.OutgoingHttpHeaders = { ...req.headers };
    for (const name of DROPPED_REQUEST_HEADERS) delete headers[name];
    headers.host = upstream.host;
    headers.authorization = `Bearer ${token.current()}`;

    const upstreamRequest = transport.request(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: `${basePath}${url}`,
        headers,
      },
      (upstreamResponse) => {
        const responseHeaders = { ...upstreamResponse.headers };
        for (const name of DROPPED_RESPONSE_HEADERS) delete responseHeaders[name];
        res.writeHead(upstreamResponse.statusCode ?? 502, responseHeaders);
        upstreamResponse.pipe(res);
      },
    );
    upstreamRequest.on('error', (error: NodeJS.ErrnoException) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(res, 502, 'BadGateway', `the upstream ${upstream.origin} is unreachable (${error.code ?? 'error'})`);
    });
    req.pipe(upstreamRequest);
  });
}
