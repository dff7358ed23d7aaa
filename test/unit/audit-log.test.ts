/** The group-commit audit log over a fake store: what its callers may count on. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEventInput } from '../../src/audit/audit-event';
import { AuditLog } from '../../src/audit/audit-log';
import { FakeAuditStore } from '../support/fake-audit-store';
import { waitFor } from '../support/processes';

const event = (n: number): AuditEventInput => ({
  time: n,
  subject: 's',
  jti: null,
  action: 'secret.read',
  key: `k/${n}`,
  outcome: 200,
  requestId: null,
  client: null,
});

describe('audit log', () => {
  it('writes events recorded together in one append, and resolves each once it is written', async () => {
    const store = new FakeAuditStore();
    const log = new AuditLog(store);
    await Promise.all([log.record(event(1)), log.record(event(2)), log.record(event(3))]);
    assert.deepEqual(
      store.appends.map((batch) => batch.length),
      [3],
    );
  });

  it('rejects every event of a batch whose append failed: nobody is told an event is in the chain when it is not', async () => {
    const store = new FakeAuditStore();
    store.failNext = new Error('database is down');
    const log = new AuditLog(store);
    const results = await Promise.allSettled([log.record(event(1)), log.record(event(2))]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['rejected', 'rejected'],
    );
    await log.record(event(3));
    assert.deepEqual(
      store.appends.flat().map((e) => e.key),
      ['k/3'],
    );
  });

  it('moves staged events when kicked, even with nothing recorded, and keeps kicking while full batches come back', async () => {
    const store = new FakeAuditStore();
    store.staged = 2500;
    const log = new AuditLog(store);
    log.kick();
    await log.drain();
    assert.equal(store.staged, 0);
    assert.equal(store.appends.length, 3);
  });

  it('reports a failure to move staged events, and tries again by itself', async () => {
    const store = new FakeAuditStore();
    store.staged = 5;
    store.failNext = new Error('database is down');
    const errors: unknown[] = [];
    const log = new AuditLog(store, (error) => errors.push(error));
    log.kick();
    await log.drain();
    assert.equal(errors.length, 1);
    // The retry comes a second later; a busy machine may take longer, and the test waits for it, not for a time.
    await waitFor(async () => (store.staged === 0 ? true : undefined), 30_000, 'the staged events to be moved on a later try');
  });
});
