/**
 * What serve answers while its keyring is still sealed (its HSM or KMS out
 * of reach, or throttling): /healthz is up, /readyz is red, and every
 * other request gets 503, since nothing can be read or written without keys.
 */
import { randomUUID } from 'node:crypto';
import type { RequestListener, ServerResponse } from 'node:http';
import { Unavailable } from '../errors';
import { PROBLEM_CONTENT_TYPE, problemBody } from '../common/problem-details';
import { packageVersion } from '../common/version';

function reply(
  res: ServerResponse,
  status: number,
  requestId: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': status === 200 ? 'application/json; charset=utf-8' : PROBLEM_CONTENT_TYPE,
    'Cache-Control': 'no-store',
    'X-Request-Id': requestId,
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sealedApp(): RequestListener {
  const unavailable = new Unavailable('the keyring is still sealed: the service is waiting for its HSM or KMS');
  return (req, res) => {
    // The body is not read: drop it rather than keep the connection.
    req.resume();
    if (req.method === 'GET' && req.url === '/healthz') {
      reply(res, 200, randomUUID(), { status: 'ok', sealed: true, version: packageVersion() });
      return;
    }
    const requestId = randomUUID();
    reply(
      res,
      unavailable.status,
      requestId,
      problemBody({ status: unavailable.status, code: unavailable.code, message: unavailable.message, requestId }),
      { ...unavailable.headers, 'Retry-After': '5' },
    );
  };
}
