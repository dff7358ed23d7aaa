/**
 * Thousands of trickling connections once made /healthz fail for everyone:
 * connections are capped per client address and in total, and each
 * refusal is logged.
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { createHttpServer, DEFAULT_TIMEOUTS } from '../../src/server/create-server';
import { sqlite, type TestDatabase } from '../support/databases';
import { waitFor } from '../support/processes';
import { startTestService, type TestService } from '../support/service';

/** Opens `count` connections from `localAddress` that send half a request and wait; resolves with the sockets. */
async function trickle(port: number, localAddress: string, count: number): Promise<net.Socket[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Socket>((resolve) => {
          const socket = net.connect({ port, host: '127.0.0.1', localAddress });
          socket.on('error', () => {});
          socket.once('connect', () => {
            socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
            resolve(socket);
          });
          socket.once('close', () => resolve(socket));
        }),
    ),
  );
}

/** Waits until no more than `left` of `sockets` are open: the server closes those it refuses. Fails after 30 s. */
function closedAllBut(sockets: readonly net.Socket[], left: number): Promise<true> {
  const open = () => sockets.filter((socket) => !socket.destroyed && socket.readyState === 'open').length;
  return waitFor(async () => (open() <= left ? true : undefined), 30_000, `all but ${left} of ${sockets.length} connections to be closed`);
}

describe('connection limits', () => {
  let db: TestDatabase;
  let svc: TestService;
  let server: http.Server;
  let port: number;
  const logged: string[] = [];

  before(async () => {
    db = await sqlite.create();
    svc = await startTestService(db);
    const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(line) });
    server = createHttpServer(svc.app, DEFAULT_TIMEOUTS, { limits: { total: 60, perAddress: 20 }, logger });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await svc.close();
    await db.drop();
  });

  it('holds at most the per-address cap from one client, while others are served at once', async () => {
    const sockets = await trickle(port, '127.0.0.2', 50);
    await closedAllBut(sockets, 20);
    const open = sockets.filter((socket) => !socket.destroyed && socket.readyState === 'open');
    assert.equal(open.length, 20);
    // Another address is served while the first holds its cap.
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(30_000) });
    assert.equal(res.status, 200);
    assert.equal(logged.filter((line) => line.includes('refused connections from 127.0.0.2')).length, 1, 'one line, however many refusals');
    for (const socket of sockets) socket.destroy();
    await waitFor(
      async () =>
        (await new Promise<number>((resolve) => server.getConnections((_error, count) => resolve(count)))) === 0 ? true : undefined,
      30_000,
      'the server to let go of them',
    );
  });

  it('holds at most the total cap, and says so in the log', async () => {
    const sockets = [
      ...(await trickle(port, '127.0.0.3', 20)),
      ...(await trickle(port, '127.0.0.4', 20)),
      ...(await trickle(port, '127.0.0.5', 20)),
    ];
    const extra = await trickle(port, '127.0.0.6', 10);
    await closedAllBut(extra, 0);
    assert.equal(extra.filter((socket) => socket.readyState === 'open').length, 0);
    assert.ok(logged.some((line) => line.includes('(SECRETS_MAX_CONNECTIONS)')));
    for (const socket of [...sockets, ...extra]) socket.destroy();
  });
});
