/** Delegation and revocation over HTTP, on SQLite and PostgreSQL. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { silentLogger } from '../../src/common/logger';
import { KnexTokenStorage } from '../../src/storage/knex/knex-token-storage';
import { RevocationList } from '../../src/tokens/revocation-list';
import { describeEachDialect } from '../support/databases';
import { claimsOf } from '../support/tokens';
import { startTestService, useTestService, type TestService } from '../support/service';

describeEachDialect('tokens API', (dialect) => {
  const svc = useTestService(dialect, { SECRETS_MAX_TOKEN_TTL: '1800' });
  let admin: string;

  before(async () => {
    admin = svc.token(['secret:*:**']);
    for (const key of ['ci/a/x', 'ci/b', 'prod/db']) {
      await request(svc.app)
        .put(`/v1/secret/${key}`)
        .set('Authorization', `Bearer ${admin}`)
        .send({ value: { k: key }, expires: new Date(svc.clock.now() + 86_400_000).toISOString() });
    }
  });

  const derive = (token: string, body: object) => request(svc.app).post('/v1/tokens').set('Authorization', `Bearer ${token}`).send(body);
  const revoke = (token: string, jti: string) =>
    request(svc.app).post('/v1/tokens/revoke').set('Authorization', `Bearer ${token}`).send({ jti });
  const whoami = (token: string) => request(svc.app).get('/v1/whoami').set('Authorization', `Bearer ${token}`);
  const read = (token: string, key: string) => request(svc.app).get(`/v1/secret/${key}`).set('Authorization', `Bearer ${token}`);

  describe('POST /v1/tokens', () => {
    it('derives a narrower token that reaches only what it was given', async () => {
      const parent = svc.token(['secret:get:ci/**', 'token:create:ci/**'], 'decision-task');
      const res = await derive(parent, { scopes: ['secret:get:ci/a/*'], ttl: 600 });
      assert.equal(res.status, 201);
      assert.equal(res.body.subject, 'decision-task');
      assert.deepEqual(res.body.scopes, ['secret:get:ci/a/*']);
      assert.equal(res.body.expires, new Date(svc.clock.now() + 600_000).toISOString());
      const claims = claimsOf(res.body.token);
      assert.equal(claims.jti, res.body.jti);
      assert.deepEqual(claims.anc, [claimsOf(parent).jti]);
      assert.equal((await read(res.body.token, 'ci/a/x')).status, 200);
      assert.equal((await read(res.body.token, 'ci/b')).status, 403);
    });

    it('refuses scopes the caller does not cover with 403 ScopeEscalation naming them', async () => {
      const parent = svc.token(['secret:get:ci/**']);
      const res = await derive(parent, { scopes: ['secret:get:ci/a', 'secret:get:**', 'secret:*:ci/**'], ttl: 60 });
      assert.equal(res.status, 403);
      assert.equal(res.body.code, 'ScopeEscalation');
      assert.deepEqual(res.body.details.uncovered, ['secret:get:**', 'secret:*:ci/**']);
      assert.match(res.body.message, /secret:get:\*\*/);
    });

    it('refuses an invalid scope with 400, before any scope check', async () => {
      const parent = svc.token(['secret:get:ci/**']);
      for (const scope of ['secret:get:ci/?', 'secret:get:ci/{a,b}', 'secret:fly:ci/a', 'secret:get:ci**']) {
        const res = await derive(parent, { scopes: [scope], ttl: 60 });
        assert.equal(res.status, 400, scope);
        assert.equal(res.body.code, 'InvalidRequest', scope);
      }
      for (const body of [
        { scopes: 'secret:get:ci/a', ttl: 60 },
        { scopes: [], ttl: 0 },
        { scopes: [] },
        { scopes: [], ttl: 60, extra: 1 },
      ]) {
        assert.equal((await derive(parent, body)).status, 400, JSON.stringify(body));
      }
    });

    it('mints for another subject only with token:create:<subject>', async () => {
      const parent = svc.token(['secret:get:ci/**', 'token:create:ci/tasks/*'], 'scheduler');
      const ok = await derive(parent, { subject: 'ci/tasks/42', scopes: ['secret:get:ci/b'], ttl: 60 });
      assert.equal(ok.status, 201);
      assert.equal(ok.body.subject, 'ci/tasks/42');
      assert.equal((await whoami(ok.body.token)).body.subject, 'ci/tasks/42');
      const other = await derive(parent, { subject: 'prod/tasks/1', scopes: [], ttl: 60 });
      assert.equal(other.status, 403);
      assert.equal(other.body.code, 'InsufficientScopes');
      assert.match(other.body.message, /token:create:prod\/tasks\/1/);
      assert.equal((await derive(parent, { subject: 'bad subject', scopes: [], ttl: 60 })).status, 400);
    });

    it('caps the lifetime by SECRETS_MAX_TOKEN_TTL and by the parent’s own expiry', async () => {
      const parent = svc.token(['secret:get:ci/**']);
      const capped = await derive(parent, { scopes: [], ttl: 86_400 });
      assert.equal(capped.status, 201);
      assert.equal(capped.body.expires, new Date(svc.clock.now() + 1_800_000).toISOString());
      const parentExpires = (await whoami(parent)).body.expires;
      svc.clock.advance(3_500_000);
      const late = await derive(parent, { scopes: [], ttl: 1000 });
      assert.equal(late.status, 201);
      assert.equal(late.body.expires, parentExpires);
      assert.ok((claimsOf(late.body.token).exp as number) <= (claimsOf(parent).exp as number));
      svc.clock.advance(200_000);
      admin = svc.token(['secret:*:**']);
    });
  });

  describe('GET /v1/tokens', () => {
    const list = (token: string, query = '') => request(svc.app).get(`/v1/tokens${query}`).set('Authorization', `Bearer ${token}`);
    type Listed = { jti: string; subject: string; kind: string; scopes?: string[]; parent: string | null; expires: string };

    it('lists the valid tokens of the subjects the caller may list, with scopes and parent, never a token', async () => {
      const issuer = svc.token(['secret:get:**', 'token:create:listed/**'], 'listed/issuer');
      const first = (await derive(issuer, { subject: 'listed/a', scopes: ['secret:get:ci/**'], ttl: 600 })).body;
      const second = (await derive(first.token, { scopes: ['secret:get:ci/b'], ttl: 300 })).body;
      const other = (await derive(issuer, { subject: 'listed/b', scopes: [], ttl: 600 })).body;
      const expiring = (await derive(issuer, { subject: 'listed/a', scopes: [], ttl: 1 })).body;
      const dropped = (await derive(issuer, { subject: 'listed/a', scopes: [], ttl: 600 })).body;
      assert.equal((await revoke(issuer, dropped.jti)).status, 204);
      svc.clock.advance(1000);

      const auditor = svc.token(['token:list:listed/a'], 'token-auditor');
      const res = await list(auditor);
      assert.equal(res.status, 200);
      const tokens = res.body.tokens as Listed[];
      assert.deepEqual(tokens.map((t) => t.jti).sort(), [first.jti, second.jti].sort(), 'only listed/a, unexpired, unrevoked');
      const byJti = new Map(tokens.map((t) => [t.jti, t]));
      assert.deepEqual(byJti.get(first.jti), {
        jti: first.jti,
        subject: 'listed/a',
        kind: 'derived',
        scopes: ['secret:get:ci/**'],
        parent: claimsOf(issuer).jti,
        created: new Date(svc.clock.now() - 1000).toISOString(),
        expires: first.expires,
      });
      assert.equal(byJti.get(second.jti)?.parent, first.jti);
      for (const token of [first, second, other, expiring]) assert.ok(!res.text.includes(token.token), 'no token in the listing');
      assert.ok(!tokens.some((t) => t.jti === other.jti || t.jti === expiring.jti));

      const everyone = (await list(svc.token(['token:list:listed/**']), '?subject=listed')).body.tokens as Listed[];
      assert.deepEqual(everyone.map((t) => t.subject).sort(), ['listed/a', 'listed/a', 'listed/b']);

      assert.equal((await revoke(issuer, first.jti)).status, 204);
      assert.deepEqual((await list(auditor)).body.tokens, [], 'revoking a parent takes its children off the list');
    });

    it('shows a caller with no token:list scope nothing, and pages with a token bound to the subject', async () => {
      const issuer = svc.token(['token:create:paged/**'], 'paged/issuer');
      for (let n = 0; n < 3; n++) assert.equal((await derive(issuer, { subject: 'paged/x', scopes: [], ttl: 600 })).status, 201);
      const none = await list(svc.token(['secret:*:**', 'token:create:**']));
      assert.equal(none.status, 200);
      assert.deepEqual(none.body.tokens, []);

      const lister = svc.token(['token:list:paged/**']);
      const first = await list(lister, '?subject=paged&limit=2');
      assert.equal(first.body.tokens.length, 2);
      assert.match(first.headers.link ?? '', /rel="next"/);
      const second = await list(lister, `?subject=paged&limit=2&continuationToken=${encodeURIComponent(first.body.continuationToken)}`);
      assert.equal(second.body.tokens.length, 1);
      assert.equal(second.body.continuationToken, undefined);
      const moved = await list(lister, `?subject=listed&continuationToken=${encodeURIComponent(first.body.continuationToken)}`);
      assert.equal(moved.status, 400);
      assert.equal(moved.body.code, 'InvalidContinuationToken');
      for (const subject of ['paged/', '../x', 'a b', 'paged/**']) {
        const bad = await list(lister, `?subject=${encodeURIComponent(subject)}`);
        assert.equal(bad.status, 400, subject);
        assert.equal(bad.body.code, 'InvalidKey', subject);
      }
    });
  });

  describe('revocation', () => {
    it('revoking the middle of three generations kills the youngest and spares the root', async () => {
      const root = svc.token(['secret:get:ci/**', 'token:create:**'], 'root-admin');
      const middle = (await derive(root, { scopes: ['secret:get:ci/**'], ttl: 600 })).body;
      const youngest = (await derive(middle.token, { scopes: ['secret:get:ci/a/*'], ttl: 600 })).body;
      assert.deepEqual(claimsOf(youngest.token).anc, [claimsOf(root).jti, middle.jti]);
      assert.equal((await read(youngest.token, 'ci/a/x')).status, 200);

      assert.equal((await revoke(root, middle.jti)).status, 204);
      for (const token of [middle.token, youngest.token]) {
        const res = await read(token, 'ci/a/x');
        assert.equal(res.status, 401);
        assert.equal(res.headers['www-authenticate'], 'Bearer error="invalid_token"');
      }
      assert.equal((await read(root, 'ci/a/x')).status, 200);
    });

    it('a caller may revoke its own token', async () => {
      const token = svc.token(['secret:get:ci/**']);
      assert.equal((await revoke(token, claimsOf(token).jti as string)).status, 204);
      assert.equal((await whoami(token)).status, 401);
    });

    it('token:revoke:<subject> revokes any recorded token of that subject, and only that', async () => {
      const issuer = svc.token(['secret:get:**', 'token:create:**']);
      const victim = (await derive(issuer, { subject: 'ci/runner', scopes: ['secret:get:ci/b'], ttl: 600 })).body;
      const bystander = (await derive(issuer, { subject: 'prod/runner', scopes: [], ttl: 600 })).body;
      const operator = svc.token(['token:revoke:ci/*'], 'operator');
      const denied = await revoke(operator, bystander.jti);
      assert.equal(denied.status, 403);
      assert.equal(denied.body.code, 'InsufficientScopes');
      assert.equal((await revoke(operator, victim.jti)).status, 204);
      assert.equal((await whoami(victim.token)).status, 401);
      assert.equal((await whoami(bystander.token)).status, 200);
    });

    it('a jti the server never minted needs token:revoke:**, and the 403 reveals nothing', async () => {
      const offline = svc.token(['secret:get:**'], 'offline-root');
      const jti = claimsOf(offline).jti as string;
      const weak = svc.token(['token:revoke:nobody'], 'weak');
      const unknownDenied = await revoke(weak, jti);
      const knownDenied = await revoke(weak, (await derive(offline, { scopes: [], ttl: 60 })).body.jti);
      assert.equal(unknownDenied.status, 403);
      assert.equal(unknownDenied.body.message, knownDenied.body.message);
      assert.equal((await revoke(svc.token(['token:revoke:**']), jti)).status, 204);
      assert.equal((await whoami(offline)).status, 401);
    });

    it('rejects a malformed jti with 400', async () => {
      for (const jti of ['', 'has space', 'x'.repeat(129)]) {
        assert.equal((await revoke(admin, jti)).status, 400, jti);
      }
    });

    it('sweeps revocations once the revoked token has expired', async () => {
      const token = svc.token(['secret:get:ci/**']);
      const jti = claimsOf(token).jti as string;
      await revoke(token, jti);
      const kept = () => svc.knex('revocations').where({ jti }).count({ n: '*' }).first();
      svc.clock.advance(3_600_000);
      await svc.services.sweeper.runOnce();
      assert.equal(Number((await kept())?.n), 1, 'kept through the leeway after exp');
      svc.clock.advance(100_000);
      await svc.services.sweeper.runOnce();
      assert.equal(Number((await kept())?.n), 0, 'swept after exp and the leeway');
      admin = svc.token(['secret:*:**']);
    });
  });

  describe('revocation and clock leeway', () => {
    let lenient: TestService;
    before(async () => {
      lenient = await startTestService(svc.db, { SECRETS_JWT_LEEWAY: '30' });
    });
    after(async () => {
      await lenient.close();
    });

    it('a revoked token and its descendants stay refused through the leeway after exp', async () => {
      const parent = lenient.token(['secret:get:**', 'token:create:**']);
      const child = (
        await request(lenient.app)
          .post('/v1/tokens')
          .set('Authorization', `Bearer ${parent}`)
          .send({ scopes: ['secret:get:ci/**'], ttl: 3600 })
      ).body.token as string;
      const revoked = await request(lenient.app)
        .post('/v1/tokens/revoke')
        .set('Authorization', `Bearer ${parent}`)
        .send({ jti: claimsOf(parent).jti });
      assert.equal(revoked.status, 204);
      // Past exp but inside the 30 s leeway, after a sweep and a refresh as another replica would do them.
      lenient.clock.advance(3_600_000 + 10_000);
      await lenient.services.sweeper.runOnce();
      await lenient.services.revocations.refresh();
      for (const token of [parent, child]) {
        const res = await request(lenient.app).get('/v1/whoami').set('Authorization', `Bearer ${token}`);
        assert.equal(res.status, 401);
      }
      // A replica starting now loads the revocations in force: the parent's must still be among them.
      const replica = new RevocationList({ store: new KnexTokenStorage(lenient.knex), clock: lenient.clock, logger: silentLogger });
      await replica.refresh();
      assert.equal(replica.isRevoked(claimsOf(parent).jti as string), true);
    });
  });
});
