/** The SQLite write thread: appends and purges off the event loop, and how it fails and comes back. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import pino from 'pino';
import request from 'supertest';
import { AuditChain } from '../../src/audit/audit-chain';
import { verifyAuditChain } from '../../src/audit/chain-verifier';
import { stageEvents } from '../../src/storage/knex/audit-outbox';
import { connectDatabase } from '../../src/storage/knex/connect';
import { KnexAuditTables } from '../../src/storage/knex/knex-audit-tables';
import { loadConfig } from '../../src/config';
import { migrateToLatest } from '../../src/storage/knex/migrations';
import type { SqliteStorage } from '../../src/storage/sqlite/sqlite-storage';
import { SqliteWriteThread, WriterUnavailable } from '../../src/storage/sqlite/write-thread';
import { sqlite, tempDir } from '../support/databases';
import { useTestService } from '../support/service';

const AUDIT_KEY = randomBytes(32);
const event = (n: number) => ({
  time: n,
  subject: 's',
  jti: null,
  action: 'secret.read' as const,
  key: `k/${n}`,
  outcome: 200,
  requestId: null,
  client: null,
});
const workerOf = (thread: SqliteWriteThread) => (thread as unknown as { worker: Worker }).worker;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A migrated database, its audit chain and store, and a write thread on it (not started). */
async function threadOnFreshDatabase() {
  const file = path.join(tempDir(), 'secrets.db');
  const knex = connectDatabase(loadConfig({ SECRETS_DB: `sqlite:${file}` }).db);
  await migrateToLatest(knex);
  const chain = new AuditChain(AUDIT_KEY);
  const store = new KnexAuditTables(knex, chain);
  const thread = new SqliteWriteThread({ filename: file, auditKey: AUDIT_KEY }, pino({ level: 'silent' }));
  return { knex, chain, store, thread };
}

// The thread is unref'd, as it is in serve, where a listening server keeps the process alive; here a timer does.
let keepAlive: NodeJS.Timeout;
before(() => {
  keepAlive = setInterval(() => {}, 1000);
});
after(() => clearInterval(keepAlive));

describe('SQLite write thread', () => {
  it('appends a verifiable chain; a thread that dies is replaced, and meanwhile fails requests with an Error that has a code', async () => {
    const file = path.join(tempDir(), 'secrets.db');
    const knex = connectDatabase(loadConfig({ SECRETS_DB: `sqlite:${file}` }).db);
    await migrateToLatest(knex);
    const chain = new AuditChain(AUDIT_KEY);
    const thread = new SqliteWriteThread({ filename: file, auditKey: AUDIT_KEY }, pino({ level: 'silent' }));
    try {
      await thread.start();
      await thread.append([event(1), event(2)], false);
      await workerOf(thread).terminate();
      assert.equal(thread.healthy, false);
      const refused = await thread.append([event(3)], false).catch((error: unknown) => error);
      assert.ok(refused instanceof WriterUnavailable, 'an Error, not a plain object');
      assert.equal(refused.code, 'WRITER_UNAVAILABLE');
      for (let n = 0; n < 40 && !thread.healthy; n++) await sleep(50);
      assert.equal(thread.healthy, true, 'a new thread took over');
      await thread.append([event(4)], true);
      const verdict = await verifyAuditChain(new KnexAuditTables(knex, chain), chain);
      assert.equal(verdict.ok && verdict.events, 3);
    } finally {
      await thread.close();
      await knex.destroy();
    }
  });

  it('moves staged events into the chain with the queued ones, oldest first, and empties the outbox', async () => {
    const { knex, chain, store, thread } = await threadOnFreshDatabase();
    try {
      await thread.start();
      await thread.append([event(1)], false);
      await knex.transaction((trx) => stageEvents(trx, [event(5), event(3)]));
      assert.equal(await thread.append([event(4), event(6)], false), 0, 'staged events stay until asked for');
      assert.equal(await thread.append([event(2)], true), 2);
      assert.deepEqual(await knex('audit_outbox').pluck('id'), []);
      const events = await store.query({ limit: 10 });
      assert.deepEqual(
        events.map((linked) => [linked.seq, linked.time]),
        [
          [1, 1],
          [2, 4],
          [3, 6],
          [4, 2],
          [5, 3],
          [6, 5],
        ],
      );
      assert.equal(await thread.append([], true), 0, 'nothing left to move');
      const verdict = await verifyAuditChain(store, chain);
      assert.equal(verdict.ok && verdict.events, 6);
    } finally {
      await thread.close();
      await knex.destroy();
    }
  });

  it('purges expired secrets and their versions with their events already in the chain, nothing staged', async () => {
    const { knex, chain, store, thread } = await threadOnFreshDatabase();
    const secret = (key: string, expiresAt: number) => ({ key, version: 1, created_at: 1, updated_at: 1, expires_at: expiresAt });
    const version = (key: string, expiresAt: number) => ({
      key,
      version: 1,
      created_at: 1,
      expires_at: expiresAt,
      kek_id: 'k',
      wrapped_key: Buffer.alloc(1),
      ciphertext: Buffer.alloc(1),
    });
    const rows = [secret('gone/a', 100), secret('gone/b', 200), secret('gone/c', 300), secret('kept', 5000)];
    try {
      await thread.start();
      await knex('secrets').insert(rows);
      await knex('secret_versions').insert(rows.map((row) => version(row.key, row.expires_at)));
      await thread.append([event(1)], false);
      assert.deepEqual(await thread.purgeExpiredSecrets(1000, 2), ['gone/a', 'gone/b']);
      assert.deepEqual(await thread.purgeExpiredSecrets(1000, 2), ['gone/c']);
      assert.deepEqual(await knex('secrets').pluck('key'), ['kept']);
      assert.deepEqual(await knex('secret_versions').pluck('key'), ['kept'], 'the versions went with their secrets');
      assert.deepEqual(await knex('audit_outbox').pluck('id'), [], 'nothing staged for a later commit');
      const events = await store.query({ limit: 10 });
      assert.deepEqual(
        events.map((linked) => [linked.seq, linked.action, linked.key, linked.subject, linked.time]),
        [
          [1, 'secret.read', 'k/1', 's', 1],
          [2, 'secret.expired', 'gone/a', null, 1000],
          [3, 'secret.expired', 'gone/b', null, 1000],
          [4, 'secret.expired', 'gone/c', null, 1000],
        ],
      );
      const verdict = await verifyAuditChain(store, chain);
      assert.equal(verdict.ok && verdict.events, 4);
    } finally {
      await thread.close();
      await knex.destroy();
    }
  });

  it('refuses to start on a database that is not migrated, with one clear Error', async () => {
    const file = path.join(tempDir(), 'empty.db');
    const thread = new SqliteWriteThread({ filename: file, auditKey: AUDIT_KEY }, pino({ level: 'silent' }));
    const failed = await thread.start().catch((error: unknown) => error);
    assert.ok(failed instanceof Error);
    assert.match(failed.message, /could not start: .*not a migrated database/);
    await thread.close();
  });

  it('restarts a thread that keeps dying with a growing backoff, one log line each time', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'secrets.db');
    const knex = connectDatabase(loadConfig({ SECRETS_DB: `sqlite:${file}` }).db);
    await migrateToLatest(knex);
    await knex.destroy();
    const lines: string[] = [];
    const thread = new SqliteWriteThread(
      { filename: file, auditKey: AUDIT_KEY },
      pino({ level: 'info' }, { write: (line: string) => lines.push(line) }),
    );
    await thread.start();
    // From now on every new thread finds an empty file where the database was.
    fs.renameSync(file, path.join(dir, 'moved.db'));
    await workerOf(thread).terminate();
    await sleep(3000);
    const restarts = lines.filter((line) => line.includes('the SQLite write thread stopped'));
    // A backoff that doubles from 250 ms allows at most a handful of starts in 3 s; without one, dozens.
    assert.ok(restarts.length >= 2 && restarts.length <= 6, `${restarts.length} restarts in 3 s`);
    assert.match(restarts[1] ?? '', /not a migrated database\); starting another in \d+ ms/);
    await thread.close();
  });
});

describe('while the write thread is down', () => {
  // An issuer trust rules can name; nothing here ever fetches its keys.
  const issuers = path.join(tempDir(), 'issuers.json');
  fs.writeFileSync(issuers, JSON.stringify([{ name: 'ci', issuer: 'https://ci.example.com', audience: 'scoped-secrets' }]));
  const svc = useTestService(sqlite, { SECRETS_OIDC_ISSUERS: issuers });

  it('writes answer 503 with Retry-After, /readyz is red, reads go on; all recover when it is back', async () => {
    const token = svc.token(['secret:*:**']);
    const put = () =>
      request(svc.app)
        .put('/v1/secret/gate/a')
        .set('Authorization', `Bearer ${token}`)
        .send({ value: { a: 1 }, expires: '2031-01-01T00:00:00Z' });
    assert.equal((await put()).status, 201);
    const thread = (svc.services.storage as SqliteStorage).writeThread;
    await workerOf(thread).terminate();
    const refused = await put();
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['retry-after'], '1');
    const wrap = await request(svc.app)
      .post('/v1/wrap')
      .set('Authorization', `Bearer ${token}`)
      .send({ value: { a: 1 }, ttl: 60 });
    assert.equal(wrap.status, 503, 'a wrap is a write');
    const unwrap = await request(svc.app)
      .post('/v1/unwrap')
      .send({ wrapToken: `sswrap_${'B'.repeat(43)}` });
    assert.equal(unwrap.status, 503, 'an unwrap is a write');
    assert.equal((await request(svc.app).get('/readyz')).status, 503);
    assert.equal((await request(svc.app).get('/v1/secret/gate/a').set('Authorization', `Bearer ${token}`)).status, 200);
    for (let n = 0; n < 40 && !thread.healthy; n++) await sleep(50);
    assert.equal((await request(svc.app).get('/readyz')).status, 200);
    assert.equal((await put()).status, 200);
  });

  it('is the only connection that writes: requests write nothing through the serving connection', async () => {
    const statements: string[] = [];
    const listen = (query: { sql: string }) => statements.push(query.sql);
    const serving = (svc.services.storage as SqliteStorage).readConnection;
    serving.on('query', listen);
    try {
      const token = svc.token(['secret:*:**', 'token:*:**']);
      const as = { Authorization: `Bearer ${token}` };
      assert.equal(
        (
          await request(svc.app)
            .put('/v1/secret/one/door')
            .set(as)
            .send({ value: { a: 1 }, expires: '2031-01-01T00:00:00Z' })
        ).status,
        201,
      );
      assert.equal(
        (
          await request(svc.app)
            .put('/v1/secret/one/door')
            .set(as)
            .set('If-Match', '"1"')
            .send({ value: { a: 2 }, expires: '2031-01-01T00:00:00Z' })
        ).status,
        200,
      );
      const derived = await request(svc.app).post('/v1/tokens').set(as).send({ scopes: [], ttl: 60 });
      assert.equal(derived.status, 201);
      assert.equal((await request(svc.app).post('/v1/tokens/revoke').set(as).send({ jti: derived.body.jti })).status, 204);
      const wrapped = await request(svc.app).post('/v1/wrap').set(as).send({ key: 'one/door', ttl: 60 });
      assert.equal(wrapped.status, 201);
      assert.equal((await request(svc.app).post('/v1/unwrap').send({ wrapToken: wrapped.body.wrapToken })).status, 200);
      assert.equal((await request(svc.app).delete('/v1/secret/one/door').set(as)).status, 204);
      const rule = { issuer: 'ci', claims: { repository: 'acme/*' }, scopes: ['secret:get:ci/{repository}/**'], ttl: 600 };
      const ruler = { Authorization: `Bearer ${svc.token(['trust:*:**', 'secret:*:**'])}` };
      assert.equal((await request(svc.app).put('/v1/trust/one/door').set(ruler).send(rule)).status, 201);
      assert.equal((await request(svc.app).delete('/v1/trust/one/door').set(ruler)).status, 204);
      assert.equal((await request(svc.app).get('/v1/secrets?prefix=one').set(as)).status, 200);
      await svc.auditWritten();
      await svc.services.sweeper.runOnce();
    } finally {
      serving.off('query', listen);
    }
    assert.ok(
      statements.some((sql) => /^\s*select\b/i.test(sql)),
      'the serving connection was watched: the listing read through it',
    );
    const writes = statements.filter((sql) => /^\s*(insert|update|delete|replace)\b/i.test(sql));
    assert.deepEqual(writes, []);
  });
});
