/**
 * The node:http server around the app: bounded timeouts so slow or idle
 * clients cannot hold connections for ever, capped connections, and a problem-details 400 (not Node's bare
 * one) for requests too malformed to reach express.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { RequestListener } from 'node:http';
import type { Logger } from 'pino';
import type { MessageClasses } from '../http/express-messages';
import { PROBLEM_CONTENT_TYPE, problemBody } from '../common/problem-details';
import { silentLogger } from '../common/logger';
import { DEFAULT_CONNECTION_LIMITS, limitConnections, type ConnectionLimits } from './connection-limits';

function clientErrorResponse(error: NodeJS.ErrnoException): string {
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  const requestId = randomUUID();
  const body = JSON.stringify(
    problemBody({
      status: tooLarge ? 431 : 400,
      code: 'InvalidRequest',
      message: tooLarge ? 'the request headers are too large' : 'the request is not valid HTTP',
      requestId,
    }),
  );
  return [
    `HTTP/1.1 ${status}`,
    `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
    'Cache-Control: no-store',
    `X-Request-Id: ${requestId}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

export interface ServerTimeouts {
  /** The whole header block must arrive within this: a trickling (Slowloris) client is cut off. */
  readonly headersMs: number;
  /** The whole request, body included. */
  readonly requestMs: number;
}

export const DEFAULT_TIMEOUTS: ServerTimeouts = { headersMs: 10_000, requestMs: 30_000 };

export function createHttpServer(
  app: RequestListener,
  timeouts: ServerTimeouts = DEFAULT_TIMEOUTS,
  connections: { limits: ConnectionLimits; logger: Logger } = { limits: DEFAULT_CONNECTION_LIMITS, logger: silentLogger },
  messages?: MessageClasses,
): http.Server {
  const server = http.createServer(
    // Timeouts are enforced by a periodic check; check often enough for them to mean what they say.
    { maxHeaderSize: 16 * 1024, connectionsCheckingInterval: Math.min(1000, timeouts.headersMs / 2), ...messages },
    app,
  );
  server.headersTimeout = timeouts.headersMs;
  server.requestTimeout = timeouts.requestMs;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;
  limitConnections(server, connections.limits, connections.logger);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(error));
  });
  return server;
}
