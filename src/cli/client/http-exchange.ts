/**
 * One HTTP exchange over node:http or node:https. The client does not use
 * fetch: loading it costs about a quarter of a second, on every command.
 */
import http from 'node:http';

export interface HttpReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

/** Nothing usable came back: the code says why (ECONNREFUSED, ETIMEDOUT, ...). */
export class ConnectionFailure extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

const TIMEOUT_MS = 60_000;

export async function exchange(url: URL, method: string, headers: Record<string, string>, body?: string): Promise<HttpReply> {
  const transport = url.protocol === 'https:' ? (await import('node:https')).default : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      { method, headers: body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error: NodeJS.ErrnoException) => reject(new ConnectionFailure(error.code ?? 'ECONNRESET')));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    request.setTimeout(TIMEOUT_MS, () => request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    request.on('error', (error: NodeJS.ErrnoException) => reject(new ConnectionFailure(error.code ?? error.message)));
    request.end(body);
  });
}
