/** A trust rule written through one replica is honoured by another on the same PostgreSQL database at its next refresh (every 2 s). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { dialects, tempDir, type TestDatabase } from '../support/databases';
import { TestOidcIssuer } from '../support/oidc-issuer';
import { waitFor } from '../support/processes';
import { startTestService, type TestService } from '../support/service';

describe('trust rules across replicas', async () => {
  const postgres = (await dialects()).find((dialect) => dialect.name === 'postgres');
  if (!postgres) throw new Error('no postgres dialect');

  describe('two instances on one PostgreSQL database', { skip: postgres.skip }, () => {
    const provider = new TestOidcIssuer();
    let db: TestDatabase;
    let a: TestService;
    let b: TestService;

    before(async () => {
      await provider.start();
      db = await postgres.create();
      const dir = tempDir();
      const issuers = path.join(dir, 'issuers.json');
      fs.writeFileSync(issuers, JSON.stringify([{ name: 'ci', issuer: provider.url, audience: 'scoped-secrets' }]));
      const shared = { SECRETS_KEYRING_FILE: path.join(dir, 'keyring.json'), SECRETS_OIDC_ISSUERS: issuers };
      a = await startTestService(db, shared);
      b = await startTestService(db, shared);
      b.services.trustRules.start();
    });
    after(async () => {
      await a.close();
      await b.close();
      await db.drop();
      await provider.stop();
    });

    it('a rule put on one is matched by the other at its next refresh, and its deletion too', async () => {
      const now = Math.floor(b.clock.now() / 1000);
      const id = await provider.sign({ sub: 'x', repository: 'acme/widgets', iat: now, exp: now + 3600 });
      const exchangeOnB = () => request(b.app).post('/v1/tokens/exchange').send({ token: id });
      assert.equal((await exchangeOnB()).status, 403);
      const admin = a.token(['trust:*:**', 'secret:*:**']);
      const rule = { issuer: 'ci', claims: { repository: 'acme/*' }, scopes: ['secret:get:ci/{repository}/**'], ttl: 600 };
      assert.equal((await request(a.app).put('/v1/trust/deploy').set('Authorization', `Bearer ${admin}`).send(rule)).status, 201);
      await waitFor(async () => ((await exchangeOnB()).status === 201 ? true : undefined), 30_000, 'the rule to reach instance b');
      assert.equal((await request(a.app).delete('/v1/trust/deploy').set('Authorization', `Bearer ${admin}`)).status, 204);
      await waitFor(async () => ((await exchangeOnB()).status === 403 ? true : undefined), 30_000, 'the deletion to reach instance b');
    });
  });
});
