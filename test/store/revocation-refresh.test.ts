/**
 * Every replica refreshes its revocations every second: after the first
 * load, a refresh reads only what is new, however many rows there are.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { silentLogger } from '../../src/common/logger';
import { KnexTokenStorage } from '../../src/storage/knex/knex-token-storage';
import { RevocationList } from '../../src/tokens/revocation-list';
import { describeEachDialect } from '../support/databases';
import { useTestService } from '../support/service';

const ROWS = 20_000;

describeEachDialect('revocation refresh', (dialect) => {
  const svc = useTestService(dialect);

  before(async () => {
    const now = svc.clock.now();
    const rows = Array.from({ length: ROWS }, (_, n) => ({
      jti: `flood-${n}`,
      revoked_at: now - 600_000,
      expires_at: now + 86_400_000,
    }));
    await svc.knex.batchInsert('revocations', rows, 400);
  });

  it('loads every revocation once, then reads only those made since', async () => {
    const store = new KnexTokenStorage(svc.knex);
    const list = new RevocationList({ store, clock: svc.clock, logger: silentLogger });
    assert.equal(await list.refresh(), ROWS);
    assert.equal(list.isRevoked('flood-12345'), true);

    svc.clock.advance(1000);
    await store.revoke({ jti: 'fresh-1', revokedAt: svc.clock.now(), expiresAt: svc.clock.now() + 60_000 }, []);
    svc.clock.advance(1000);
    const read = await list.refresh();
    assert.ok(read >= 1 && read < 10, `the second refresh read ${read} rows`);
    assert.equal(list.isRevoked('fresh-1'), true);
    assert.equal(list.isRevoked('flood-0'), true, 'earlier revocations stay in force');
  });

  it('forgets a revocation once its token is past exp and the leeway', async () => {
    const store = new KnexTokenStorage(svc.knex);
    const list = new RevocationList({ store, clock: svc.clock, logger: silentLogger });
    await list.refresh();
    await store.revoke({ jti: 'short-lived', revokedAt: svc.clock.now(), expiresAt: svc.clock.now() + 1000 }, []);
    svc.clock.advance(1000);
    await list.refresh();
    assert.equal(list.isRevoked('short-lived'), true);
    svc.clock.advance(120_000);
    await list.refresh();
    assert.equal(list.isRevoked('short-lived'), false);
  });
});
