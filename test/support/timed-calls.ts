/** Requests to a running server, each timed, for tests of outages: every answer must come, and within a bound. */
import assert from 'node:assert/strict';
import { waitFor } from './processes';

export interface TimedAnswer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly text: string;
  readonly ms: number;
}

/** A caller with `token` against `url()`; a request that never answers fails after 30 s instead of hanging the suite. */
export function timedCaller(url: () => string, token: () => string) {
  return async (method: string, pathname: string, body?: unknown): Promise<TimedAnswer> => {
    const started = Date.now();
    const res = await fetch(`${url()}${pathname}`, {
      method,
      headers: { Authorization: `Bearer ${token()}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, retryAfter: res.headers.get('retry-after'), text, ms: Date.now() - started };
  };
}

/** Waits, up to `withinMs`, for /readyz to answer `status`; every answer on the way must come at once, whatever the database does. */
export async function readinessBecomes(call: ReturnType<typeof timedCaller>, status: 200 | 503, withinMs = 10_000): Promise<TimedAnswer> {
  return waitFor(
    async () => {
      const readyz = await call('GET', '/readyz');
      assert.ok(readyz.ms < 1000, `/readyz took ${readyz.ms} ms`);
      return readyz.status === status ? readyz : undefined;
    },
    withinMs,
    `/readyz to answer ${status}`,
  );
}
