/**
 * A write and its audit event commit together: kill -9 while writers are
 * busy, restart, and count. Every acknowledged write is there with exactly
 * one successful `secret.write` event, and no key has an event for a write
 * that did not commit (events equal committed versions). Several trials per
 * database, since the kill lands somewhere different each time.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { describeEachDialect, tempDir, type TestDatabase } from '../support/databases';
import { startServer, waitFor, type RunningServer } from '../support/processes';

const TRIALS = 3;
const WRITERS = 24;
const KEYS = 12;

describeEachDialect('write and audit event atomicity under kill -9', (dialect) => {
  let db: TestDatabase;
  let cwd: string;
  let env: Record<string, string>;

  before(async () => {
    db = await dialect.create();
    cwd = tempDir('scoped-secrets-e2e-atomic-');
    // Every version kept, so that a key's version number counts its committed writes.
    env = { SECRETS_DB: db.url, SECRETS_RATE_LIMIT: 'off', SECRETS_HISTORY: '1000' };
  });
  after(async () => {
    fs.rmSync(cwd, { recursive: true, force: true });
    await db.drop();
  });

  const token = () => fs.readFileSync(path.join(cwd, 'data', 'root.token'), 'utf8').trim();
  const call = (server: RunningServer, method: string, url: string, body?: unknown) =>
    fetch(`${server.url}${url}`, {
      method,
      headers: { Authorization: `Bearer ${token()}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  /** Successful secret.write events per key, from the chain. */
  async function writeEvents(server: RunningServer): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    let continuation: string | undefined;
    do {
      const query = `/v1/audit?limit=1000${continuation ? `&continuationToken=${encodeURIComponent(continuation)}` : ''}`;
      const page = (await (await call(server, 'GET', query)).json()) as {
        events: Array<{ action: string; key: string; outcome: number }>;
        continuationToken?: string;
      };
      for (const event of page.events) {
        if (event.action === 'secret.write' && (event.outcome === 200 || event.outcome === 201)) {
          counts.set(event.key, (counts.get(event.key) ?? 0) + 1);
        }
      }
      continuation = page.continuationToken;
    } while (continuation);
    return counts;
  }

  for (let trial = 1; trial <= TRIALS; trial++) {
    it(`trial ${trial}: every acknowledged write has one event, and no event names an uncommitted write`, async () => {
      let server = await startServer({ cwd, env });
      const expires = new Date(Date.now() + 3_600_000).toISOString();
      const prefix = `atomic/${trial}`;
      const acknowledged = new Map<string, number>();
      const killAfter = 15 + Math.floor(Math.random() * 40);
      let acks = 0;
      let killed = false;
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, writer) => {
          for (let n = 0; !killed && n < 200; n++) {
            const key = `${prefix}/${(writer + n) % KEYS}`;
            try {
              const res = await call(server, 'PUT', `/v1/secret/${key}`, { value: { writer, n }, expires });
              if (res.status !== 200 && res.status !== 201) continue;
              const { version } = (await res.json()) as { version: number };
              acknowledged.set(key, Math.max(version, acknowledged.get(key) ?? 0));
              if (++acks >= killAfter && !killed) {
                killed = true;
                server.child.kill('SIGKILL');
              }
            } catch {
              return; // The connection died with the process: not acknowledged.
            }
          }
        }),
      );
      assert.ok(killed, 'the process was killed while writes were in flight');
      await server.stop('SIGKILL');

      server = await startServer({ cwd, env });
      try {
        const versions = new Map<string, number>();
        for (let n = 0; n < KEYS; n++) {
          const res = await call(server, 'GET', `/v1/secret/${prefix}/${n}`);
          if (res.status === 200) versions.set(`${prefix}/${n}`, ((await res.json()) as { version: number }).version);
        }
        for (const [key, version] of acknowledged) {
          assert.ok((versions.get(key) ?? 0) >= version, `${key}: acknowledged version ${version} is gone`);
        }
        // Events still on their way into the chain when the process died are chained at start.
        const events = await waitFor(
          async () => {
            const counted = await writeEvents(server);
            return [...versions].every(([key, version]) => (counted.get(key) ?? 0) >= version) ? counted : undefined;
          },
          5000,
          'every committed write to have its event in the chain',
        ).catch(() => writeEvents(server));
        for (const [key, version] of versions) {
          assert.equal(events.get(key) ?? 0, version, `${key}: ${version} committed versions, ${events.get(key) ?? 0} write events`);
        }
      } finally {
        await server.stop('SIGKILL');
      }
    });
  }
});
