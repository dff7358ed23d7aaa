/**
 * What someone who can write to the database, but cannot read the keyring,
 * can no longer do to the audit chain unnoticed: the attacks an outside
 * audit made, each of which `audit verify` once called "ok".
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, it } from 'node:test';
import type { Knex } from 'knex';
import { type AuditEvent } from '../../src/audit/audit-event';
import { AuditChain, unkeyedHash } from '../../src/audit/audit-chain';
import { KnexAuditTables } from '../../src/storage/knex/knex-audit-tables';
import { verifyAuditChain } from '../../src/audit/chain-verifier';
import { rowToEvent, type AuditRow } from '../../src/storage/knex/audit-rows';
import { describeEachDialect, type TestDatabase } from '../support/databases';
import { startTestService, type TestService } from '../support/service';

describeEachDialect('audit chain under a database writer', (dialect) => {
  let db: TestDatabase;
  let svc: TestService;

  beforeEach(async () => {
    db = await dialect.create();
    svc = await startTestService(db);
    // The SQLite writer thread does not keep the process alive on its own; a listening server would.
    const keepAlive = setInterval(() => {}, 1000);
    for (let n = 0; n < 10; n++) {
      await svc.services.audit.record({
        time: svc.clock.now() + n,
        subject: 's',
        jti: null,
        action: 'secret.read',
        key: `k/${n}`,
        outcome: 200,
        requestId: null,
        client: null,
      });
    }
    clearInterval(keepAlive);
    assert.equal((await verify()).ok, true);
  });
  afterEach(async () => {
    await svc.close();
    await db.drop();
  });

  const knex = (): Knex => svc.knex;
  const verify = (since?: string) =>
    verifyAuditChain(svc.services.auditStore, svc.services.auditChain, {
      since: since === undefined ? undefined : svc.services.auditChain.readHeadToken(since),
    });
  const events = async (): Promise<AuditEvent[]> => (await knex()<AuditRow>('audit_events').orderBy('seq')).map(rowToEvent);
  const setMeta = (name: string, value: object) =>
    knex()('service_meta')
      .where({ name })
      .update({ value: JSON.stringify(value) });

  /** Rewrites every event from `from` on with `hash`, as a forger would, and moves the head. */
  async function rehash(from: number, hash: (prev: string, event: AuditEvent) => string) {
    const all = await events();
    let prev = all[from - 2]?.hash ?? '0'.repeat(64);
    for (const event of all.slice(from - 1)) {
      const next = hash(prev, event);
      await knex()('audit_events').where({ seq: event.seq }).update({ prev_hash: prev, hash: next });
      prev = next;
    }
    await setMeta('audit_head', { seq: all[all.length - 1]?.seq, hash: prev });
  }

  it('detects an edited event whose later hashes were recomputed with SHA-256', async () => {
    await knex()('audit_events').where({ seq: 4 }).update({ outcome: 403 });
    await rehash(4, (prev, event) => unkeyedHash(prev, event.seq, { ...event, outcome: event.seq === 4 ? 403 : event.outcome }));
    const verdict = await verify();
    assert.equal(verdict.ok, false);
    assert.match(verdict.ok ? '' : verdict.problem, /event 4: its content does not match its hash/);
  });

  it("detects the same forgery made with any key but the keyring's", async () => {
    const forger = new AuditChain(randomBytes(32));
    await knex()('audit_events').where({ seq: 4 }).update({ subject: 'someone-else' });
    await rehash(4, (prev, event) => forger.hash(prev, event.seq, { ...event, subject: event.seq === 4 ? 'someone-else' : event.subject }));
    assert.equal((await verify()).ok, false);
  });

  it('detects events cut off the end against a head published before', async () => {
    const published = svc.services.auditChain.headToken({ ...(await svc.services.auditStore.endpoints()).head, time: svc.clock.now() });
    const all = await events();
    await knex()('audit_events').where('seq', '>', 7).delete();
    await setMeta('audit_head', { seq: 7, hash: all[6]?.hash });
    // Alone, a shorter chain is still a consistent chain; the published head is what tells.
    assert.equal((await verify()).ok, true);
    const verdict = await verify(published);
    assert.equal(verdict.ok, false);
    assert.match(verdict.ok ? '' : verdict.problem, /cut off the end/);
  });

  it('detects an event replaced at the published head', async () => {
    const published = svc.services.auditChain.headToken({ ...(await svc.services.auditStore.endpoints()).head, time: svc.clock.now() });
    assert.equal((await verify(published)).ok, true, 'the published head checks out while nothing changed');
    const forger = new AuditChain(randomBytes(32));
    await rehash(10, (prev, event) => forger.hash(prev, event.seq, event));
    assert.equal((await verify(published)).ok, false);
  });

  it('detects the anchor moved forward over deleted events', async () => {
    const all = await events();
    await knex()('audit_events').where('seq', '<=', 3).delete();
    await setMeta('audit_anchor', { seq: 3, hash: all[2]?.hash });
    const verdict = await verify();
    assert.equal(verdict.ok, false);
    assert.match(verdict.ok ? '' : verdict.problem, /anchor .* no valid MAC/);
  });

  it('detects the boundary of unkeyed events moved over keyed ones', async () => {
    const all = await events();
    await setMeta('audit_keyed_from', { seq: 5, hash: all[4]?.hash });
    await rehash(1, (prev, event) => unkeyedHash(prev, event.seq, event));
    const verdict = await verify();
    assert.equal(verdict.ok, false);
    assert.match(verdict.ok ? '' : verdict.problem, /boundary/);
  });

  it('verifies a chain begun before hashes were keyed: the old events unkeyed, the new ones keyed', async () => {
    // Rewrite the ten events as a chain written by an earlier version, with its boundary as the migration leaves it.
    await rehash(1, (prev, event) => unkeyedHash(prev, event.seq, event));
    const legacyHead = (await events())[9];
    await setMeta('audit_keyed_from', { seq: legacyHead?.seq, hash: legacyHead?.hash });
    // What a start-up does before anything is appended.
    await new KnexAuditTables(svc.knex, svc.services.auditChain).sealKeyedBoundary();
    const keepAlive = setInterval(() => {}, 1000);
    await svc.services.audit.record({
      time: svc.clock.now(),
      subject: 's',
      jti: null,
      action: 'secret.read',
      key: 'k/new',
      outcome: 200,
      requestId: null,
      client: null,
    });
    clearInterval(keepAlive);
    const verdict = await verify();
    assert.equal(verdict.ok, true, verdict.ok ? '' : verdict.problem);
    assert.equal(verdict.ok && verdict.unkeyedEvents, 10);
    assert.equal(verdict.ok && verdict.events, 11);
  });
});
