/** keys rotate on both databases: the second pass catches what replicas wrote under the old key meanwhile; backends' passwords move too. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { before, it } from 'node:test';
import { Envelope } from '../../src/crypto/envelope';
import { rotateKeys } from '../../src/keyring/key-rotation';
import { LocalKeyring } from '../../src/keyring/local-keyring';
import { KnexKeyRotationStorage } from '../../src/storage/knex/knex-key-rotation-storage';
import { describeEachDialect } from '../support/databases';
import { TEST_ACTOR, useTestService } from '../support/service';

describeEachDialect('key rotation', (dialect) => {
  const svc = useTestService(dialect);

  before(async () => {
    for (let n = 0; n < 6; n++) await svc.services.secrets.put(`rot/${n}`, { n }, svc.clock.now() + 3_600_000, {}, TEST_ACTOR);
    const { leases } = svc.services;
    const backend = leases.checkBackend({
      kind: 'redis',
      connection: { host: '127.0.0.1', port: 6379, username: 'admin', password: 'rot-admin-pw' },
    });
    await leases.configure('rot/redis', backend, TEST_ACTOR);
  });

  it('re-wraps a version written under the old key behind the first pass', async () => {
    const oldKeyring = `${svc.config.keyringFile}.before`;
    fs.copyFileSync(svc.config.keyringFile, oldKeyring);
    const oldKeyId = new LocalKeyring(oldKeyring).activeKeyId;
    const lagging = new Envelope(new LocalKeyring(oldKeyring));
    const { knex } = svc;
    const secrets = svc.services.storage.secrets;

    // A replica that has not yet seen the new key writes `a/late` (before the cursor) once the first batch is done.
    class LaggingReplica extends KnexKeyRotationStorage {
      private written = false;
      override async replaceWrapped(updates: Parameters<KnexKeyRotationStorage['replaceWrapped']>[0]): Promise<void> {
        await super.replaceWrapped(updates);
        if (this.written) return;
        this.written = true;
        const now = svc.clock.now();
        const encrypted = await lagging.encrypt(Buffer.from('{"late":true}'), { key: 'a/late', version: 1 });
        const record = { key: 'a/late', version: 1, createdAt: now, updatedAt: now, expiresAt: now + 3_600_000 };
        await secrets.put({ expected: null, record, encrypted, keepVersions: 10, events: [] });
      }
    }

    const result = await rotateKeys({
      keyringFile: svc.config.keyringFile,
      store: new LaggingReplica(knex),
      clock: svc.clock,
      batchSize: 2,
      onProgress: () => {},
    });
    const counts = await new KnexKeyRotationStorage(knex).countByKeyId();
    assert.deepEqual([...counts.keys()], [result.targetKeyId], `versions still under ${oldKeyId}`);
    assert.deepEqual((await svc.services.secrets.get('a/late')).value, { late: true });
    assert.deepEqual((await svc.services.secrets.get('rot/3')).value, { n: 3 });
    // A dynamic backend's administrative password is re-wrapped with the versions.
    assert.equal((await svc.services.leases.open('rot/redis')).adminPassword, 'rot-admin-pw');
  });
});
