/** The rules of secrets, over storage in memory: versions, expiry, preconditions, history, and the event each write commits with. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/common/clock';
import { ContinuationTokens } from '../../src/secrets/continuation-tokens';
import { Envelope } from '../../src/crypto/envelope';
import { createKeyringIfMissing } from '../../src/keyring/keyring-changes';
import { LocalKeyring } from '../../src/keyring/local-keyring';
import { PreconditionFailed, SecretExpired, SecretNotFound } from '../../src/errors';
import { GrantSet } from '../../src/scopes/grant-set';
import { SecretService } from '../../src/secrets/secret-service';
import { AuditChain } from '../../src/audit/audit-chain';
import type { AuditEvent } from '../../src/audit/audit-event';
import { MemoryStorage } from '../../src/storage/memory/memory-storage';
import { tempDir } from '../support/databases';

const HOUR = 3_600_000;
const ACTOR = { subject: 'alice', jti: 'j1', requestId: 'r1', client: '127.0.0.1' };

describe('secret service', () => {
  const keyringFile = path.join(tempDir(), 'keyring.json');
  createKeyringIfMissing(keyringFile, new Date());
  const envelope = new Envelope(new LocalKeyring(keyringFile));
  let clock: ManualClock;
  let storage: MemoryStorage;
  let kicks: number;
  let secrets: SecretService;

  /** The events committed with the writes so far, once moved into the chain. */
  async function committedEvents(): Promise<AuditEvent[]> {
    await storage.audit.append([], true);
    return storage.audit.query({ limit: 100 });
  }

  const versionsOf = (key: string) => storage.secrets.versions().flatMap((v) => (v.key === key ? [v.version] : []));

  beforeEach(() => {
    clock = new ManualClock(Date.UTC(2030, 0, 1));
    storage = new MemoryStorage(new AuditChain(randomBytes(32)));
    kicks = 0;
    secrets = new SecretService({
      storage: storage.secrets,
      envelope,
      clock,
      continuation: new ContinuationTokens(randomBytes(32)),
      historyVersions: 3,
      audit: { kick: () => (kicks += 1) },
    });
  });

  it('creates at version 1 and counts up, committing one secret.write event with each write', async () => {
    assert.equal((await secrets.put('ci/a', { n: 1 }, clock.now() + HOUR, {}, ACTOR)).created, true);
    const second = await secrets.put('ci/a', { n: 2 }, clock.now() + HOUR, {}, ACTOR);
    assert.equal(second.created, false);
    assert.equal(second.record.version, 2);
    assert.deepEqual((await secrets.get('ci/a')).value, { n: 2 });
    assert.deepEqual(
      (await committedEvents()).map((event) => [event.action, event.key, event.outcome, event.subject, event.requestId]),
      [
        ['secret.write', 'ci/a', 201, 'alice', 'r1'],
        ['secret.write', 'ci/a', 200, 'alice', 'r1'],
      ],
    );
    assert.equal(kicks, 2, 'each commit asks for its events to be moved into the chain');
  });

  it('keeps no event for a write that failed its precondition', async () => {
    await secrets.put('ci/a', { n: 1 }, clock.now() + HOUR, {}, ACTOR);
    await assert.rejects(secrets.put('ci/a', { n: 2 }, clock.now() + HOUR, { ifMatch: [7] }, ACTOR), PreconditionFailed);
    await assert.rejects(secrets.put('ci/a', { n: 2 }, clock.now() + HOUR, { ifNoneMatch: '*' }, ACTOR), PreconditionFailed);
    assert.equal((await committedEvents()).length, 1);
    assert.deepEqual((await secrets.get('ci/a')).value, { n: 1 });
  });

  it('reads an expired secret as expired, and writes it afresh at version 1 with its history cleared', async () => {
    await secrets.put('ci/a', { n: 1 }, clock.now() + 1000, {}, ACTOR);
    await secrets.put('ci/a', { n: 2 }, clock.now() + 1000, {}, ACTOR);
    clock.advance(1000);
    await assert.rejects(secrets.get('ci/a'), SecretExpired);
    await assert.rejects(secrets.put('ci/a', { n: 3 }, clock.now() + HOUR, { ifMatch: '*' }, ACTOR), PreconditionFailed);
    const fresh = await secrets.put('ci/a', { n: 3 }, clock.now() + HOUR, { ifNoneMatch: '*' }, ACTOR);
    assert.equal(fresh.record.version, 1);
    assert.deepEqual(versionsOf('ci/a'), [1]);
  });

  it('keeps the configured number of versions, the current one included', async () => {
    for (let n = 1; n <= 5; n++) await secrets.put('ci/a', { n }, clock.now() + HOUR, {}, ACTOR);
    assert.deepEqual(versionsOf('ci/a'), [3, 4, 5]);
    assert.deepEqual((await secrets.get('ci/a', 3)).value, { n: 3 });
    await assert.rejects(secrets.get('ci/a', 2), SecretNotFound);
  });

  it('deletes with its event, and a delete of nothing changes nothing', async () => {
    await secrets.put('ci/a', { n: 1 }, clock.now() + HOUR, {}, ACTOR);
    await secrets.delete('ci/a', {}, ACTOR);
    await assert.rejects(secrets.delete('ci/a', {}, ACTOR), SecretNotFound);
    assert.deepEqual(
      (await committedEvents()).map((event) => [event.action, event.outcome]),
      [
        ['secret.write', 201],
        ['secret.delete', 204],
      ],
    );
  });

  it('lists only what the caller may list, in pages', async () => {
    for (const key of ['ci/a', 'ci/b', 'ci/c', 'prod/x']) await secrets.put(key, {}, clock.now() + HOUR, {}, ACTOR);
    const grants = new GrantSet(['secret:list:ci/*']);
    const first = await secrets.list({ prefix: '', limit: 2, grants });
    assert.deepEqual(
      first.secrets.map((record) => record.key),
      ['ci/a', 'ci/b'],
    );
    const second = await secrets.list({ prefix: '', limit: 2, grants, continuationToken: first.continuationToken });
    assert.deepEqual(
      second.secrets.map((record) => record.key),
      ['ci/c'],
    );
  });
});
