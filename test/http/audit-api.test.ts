/** The audit trail over HTTP, on SQLite and PostgreSQL. */
import assert from 'node:assert/strict';
import { signatureOf } from '../support/tokens';
import { before, it } from 'node:test';
import request from 'supertest';
import { verifyAuditChain } from '../../src/audit/chain-verifier';
import { describeEachDialect } from '../support/databases';
import { useTestService } from '../support/service';

const MARKER = 'audit-marker-value-5e1d';

interface EventBody {
  id: number;
  time: string;
  subject: string | null;
  jti: string | null;
  action: string;
  key: string | null;
  outcome: number;
  requestId: string | null;
  client: string | null;
}

describeEachDialect('audit API', (dialect) => {
  const svc = useTestService(dialect, { SECRETS_AUDIT_RETENTION: '1h' });
  let admin: string;
  let auditor: string;

  before(async () => {
    admin = svc.token(['secret:*:**', 'token:create:**'], 'admin');
    auditor = svc.token(['audit:read:**'], 'auditor');
    const expires = new Date(svc.clock.now() + 600_000).toISOString();
    const as = (token: string) => ({ Authorization: `Bearer ${token}` });
    // Events are ordered by time; a millisecond between requests makes the order of the list below well defined.
    const tick = () => svc.clock.advance(1);
    await request(svc.app)
      .put('/v1/secret/ci/audited')
      .set(as(admin))
      .set('X-Request-Id', 'req-put-1')
      .send({ value: { password: MARKER }, expires });
    tick();
    await request(svc.app).get('/v1/secret/ci/audited').set(as(admin));
    tick();
    await request(svc.app).get('/v1/secrets?prefix=ci').set(as(admin));
    tick();
    await request(svc.app)
      .get('/v1/secret/ci/audited')
      .set(as(svc.token(['secret:get:prod/**'], 'intruder')));
    tick();
    await request(svc.app).get('/v1/secret/ci/audited').set('Authorization', 'Bearer forged.token.here');
    tick();
    await request(svc.app)
      .post('/v1/tokens')
      .set(as(admin))
      .send({ subject: 'ci/task', scopes: ['secret:get:ci/*'], ttl: 60 });
    tick();
    await request(svc.app).delete('/v1/secret/ci/audited').set(as(admin));
    await svc.auditWritten();
  });

  const audit = (query: string, token = auditor) => request(svc.app).get(`/v1/audit${query}`).set('Authorization', `Bearer ${token}`);

  it('records reads, writes, deletes, listings, mints and denials, oldest first', async () => {
    const res = await audit('');
    assert.equal(res.status, 200);
    const events = res.body.events as EventBody[];
    assert.deepEqual(
      events.map((e) => [e.action, e.key, e.outcome, e.subject]),
      [
        ['secret.write', 'ci/audited', 201, 'admin'],
        ['secret.read', 'ci/audited', 200, 'admin'],
        ['secret.list', 'ci', 200, 'admin'],
        ['secret.read', 'ci/audited', 403, 'intruder'],
        ['auth.denied', null, 401, null],
        ['token.create', 'ci/task', 201, 'admin'],
        ['secret.delete', 'ci/audited', 204, 'admin'],
      ],
    );
    assert.deepEqual(
      events.map((e) => e.id),
      [...events.map((e) => e.id)].sort((a, b) => a - b),
    );
    const write = events[0] as EventBody;
    assert.equal(write.requestId, 'req-put-1');
    assert.equal(typeof write.jti, 'string');
    assert.match(write.client ?? '', /127\.0\.0\.1|::1/);
    assert.equal(write.time, new Date(Date.UTC(2030, 0, 1)).toISOString(), 'the time of the write, from the clock');
  });

  it('filters by exact key and by subject, and pages with a continuation token', async () => {
    const byKey = (await audit('?key=ci/audited')).body.events as EventBody[];
    assert.ok(byKey.length >= 4 && byKey.every((e) => e.key === 'ci/audited'));
    const bySubject = (await audit('?subject=intruder')).body.events as EventBody[];
    assert.deepEqual(
      bySubject.map((e) => e.action),
      ['secret.read'],
    );
    const first = await audit('?key=ci/audited&limit=2');
    assert.equal(first.body.events.length, 2);
    const second = await audit(`?key=ci/audited&limit=2&continuationToken=${encodeURIComponent(first.body.continuationToken)}`);
    assert.ok(second.body.events[0].id > first.body.events[1].id);
    const retargeted = await audit(`?key=ci/other&continuationToken=${encodeURIComponent(first.body.continuationToken)}`);
    assert.equal(retargeted.status, 400);
    assert.equal(retargeted.body.code, 'InvalidContinuationToken');
    const since = await audit(`?since=${encodeURIComponent(new Date(svc.clock.now() + 1).toISOString())}`);
    assert.deepEqual(since.body.events, []);
  });

  it('lists newest first with order=newest, page after page, with a token bound to the order', async () => {
    const oldest = ((await audit('?key=ci/audited')).body.events as EventBody[]).map((e) => e.id);
    const pages: number[] = [];
    let query = '?key=ci/audited&order=newest&limit=2';
    let token: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await audit(query);
      assert.equal(res.status, 200);
      pages.push(...(res.body.events as EventBody[]).map((e) => e.id));
      token = res.body.continuationToken as string | undefined;
      if (token === undefined) break;
      query = `?key=ci/audited&order=newest&limit=2&continuationToken=${encodeURIComponent(token)}`;
    }
    assert.deepEqual(pages, [...oldest].reverse());
    const first = await audit('?key=ci/audited&order=newest&limit=2');
    const flipped = await audit(`?key=ci/audited&limit=2&continuationToken=${encodeURIComponent(first.body.continuationToken)}`);
    assert.equal(flipped.body.code, 'InvalidContinuationToken', 'a token does not carry over to the other order');
    assert.equal((await audit('?order=sideways')).status, 400);
  });

  it('needs audit:read:<key> for a key, and a pattern covering audit:read:** without one', async () => {
    const narrow = svc.token(['audit:read:ci/*']);
    assert.equal((await audit('?key=ci/audited', narrow)).status, 200);
    assert.equal((await audit('?key=prod/db', narrow)).status, 403);
    const denied = await audit('', narrow);
    assert.equal(denied.status, 403);
    assert.match(denied.body.message, /audit:read:\*\*/);
    assert.equal((await audit('', svc.token(['audit:read:*']))).status, 403);
    assert.equal((await audit('', svc.token(['audit:*:**']))).status, 200);
    assert.equal((await audit('', svc.token(['secret:*:**']))).status, 403);
  });

  it('never holds a value or a token, in the table or in /v1/audit', async () => {
    const rows = await svc.knex('audit_events').select();
    assert.ok(rows.length > 0);
    const stored = JSON.stringify(rows);
    const served = (await audit('?limit=1000')).text;
    for (const text of [stored, served]) {
      assert.ok(!text.includes(MARKER), 'a secret value reached the audit trail');
      assert.ok(!text.includes(signatureOf(admin)), 'a token reached the audit trail');
    }
  });

  it('keeps a verifiable chain, also across retention', async () => {
    const before = await verifyAuditChain(svc.services.auditStore, svc.services.auditChain);
    assert.equal(before.ok, true);
    svc.clock.advance(2 * 3_600_000);
    await request(svc.app).get('/v1/whoami').set('Authorization', 'Bearer nope');
    await svc.auditWritten();
    const purged = await svc.services.sweeper.runOnce();
    assert.ok((purged['audit events'] ?? 0) >= 7);
    const after = await verifyAuditChain(svc.services.auditStore, svc.services.auditChain);
    assert.equal(after.ok, true, after.ok ? '' : after.problem);
    assert.equal(after.ok && after.events, 1);
    auditor = svc.token(['audit:read:**'], 'auditor');
    admin = svc.token(['secret:*:**', 'token:create:**'], 'admin');
  });

  it('detects an event deleted or edited in the database', async () => {
    for (let n = 0; n < 5; n++) await request(svc.app).get('/v1/secret/ci/none').set('Authorization', `Bearer ${admin}`);
    await svc.auditWritten();
    const knex = svc.knex;
    const rows = await knex('audit_events').orderBy('seq').select('seq', 'outcome');
    const victim = rows[2];
    await knex('audit_events').where({ seq: victim.seq }).update({ outcome: 200 });
    const edited = await verifyAuditChain(svc.services.auditStore, svc.services.auditChain);
    assert.equal(edited.ok, false);
    assert.match(edited.ok ? '' : edited.problem, new RegExp(`event ${victim.seq}:`));
    await knex('audit_events').where({ seq: victim.seq }).update({ outcome: victim.outcome });
    assert.equal((await verifyAuditChain(svc.services.auditStore, svc.services.auditChain)).ok, true);
    await knex('audit_events').where({ seq: victim.seq }).delete();
    const deleted = await verifyAuditChain(svc.services.auditStore, svc.services.auditChain);
    assert.equal(deleted.ok, false);
    assert.match(deleted.ok ? '' : deleted.problem, new RegExp(`${victim.seq}`));
  });
});
