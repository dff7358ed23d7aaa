/** Two service instances on one PostgreSQL database, as two stateless replicas. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { verifyAuditChain } from '../../src/audit/chain-verifier';
import { dialects, tempDir, type TestDatabase } from '../support/databases';
import { waitFor } from '../support/processes';
import { startTestService, type TestService } from '../support/service';

describe('replicas on one PostgreSQL database', async () => {
  const postgres = (await dialects()).find((dialect) => dialect.name === 'postgres');
  if (!postgres) throw new Error('no postgres dialect');

  describe('two instances', { skip: postgres.skip }, () => {
    let db: TestDatabase;
    let a: TestService;
    let b: TestService;

    before(async () => {
      db = await postgres.create();
      const shared = { SECRETS_KEYRING_FILE: path.join(tempDir(), 'keyring.json') };
      a = await startTestService(db, shared);
      b = await startTestService(db, shared);
      b.services.revocations.start(1000);
    });
    after(async () => {
      await a.close();
      await b.close();
      await db.drop();
    });

    it('a revocation through one instance is enforced by the other at its next refresh', async () => {
      const parent = a.token(['secret:get:ci/**', 'token:create:**'], 'admin');
      const derived = await request(a.app)
        .post('/v1/tokens')
        .set('Authorization', `Bearer ${parent}`)
        .send({ scopes: ['secret:get:ci/**'], ttl: 600 });
      assert.equal(derived.status, 201);
      const whoamiOnB = () => request(b.app).get('/v1/whoami').set('Authorization', `Bearer ${derived.body.token}`);
      assert.equal((await whoamiOnB()).status, 200);

      assert.equal(
        (await request(a.app).post('/v1/tokens/revoke').set('Authorization', `Bearer ${parent}`).send({ jti: derived.body.jti })).status,
        204,
      );
      assert.equal((await request(a.app).get('/v1/whoami').set('Authorization', `Bearer ${derived.body.token}`)).status, 401);
      await waitFor(async () => ((await whoamiOnB()).status === 401 ? true : undefined), 30_000, 'the revocation to reach instance b');
    });

    it('concurrent audit appends from both instances keep one unbroken chain', async () => {
      const token = a.token(['secret:get:**'], 'reader');
      await Promise.all([a.auditWritten(), b.auditWritten()]);
      const before = (await verifyAuditChain(a.services.auditStore, a.services.auditChain)) as { events: number };
      await Promise.all(
        Array.from({ length: 200 }, (_, n) =>
          request(n % 2 === 0 ? a.app : b.app)
            .get(`/v1/secret/ci/missing-${n}`)
            .set('Authorization', `Bearer ${token}`)
            .expect(404),
        ),
      );
      await Promise.all([a.auditWritten(), b.auditWritten()]);
      const verdict = await verifyAuditChain(b.services.auditStore, b.services.auditChain);
      assert.equal(verdict.ok, true, verdict.ok ? '' : verdict.problem);
      assert.equal(verdict.events - before.events, 200);
    });

    it('secrets written through one instance read back through the other', async () => {
      const token = a.token(['secret:*:**']);
      const expires = new Date(a.clock.now() + 600_000).toISOString();
      await request(a.app)
        .put('/v1/secret/shared/x')
        .set('Authorization', `Bearer ${token}`)
        .send({ value: { v: 1 }, expires })
        .expect(201);
      const read = await request(b.app).get('/v1/secret/shared/x').set('Authorization', `Bearer ${token}`);
      assert.equal(read.status, 200);
      assert.deepEqual(read.body.value, { v: 1 });
    });
  });
});
