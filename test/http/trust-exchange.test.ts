/**
 * Trust rules and the exchange of CI ID tokens over HTTP, on SQLite and
 * PostgreSQL, against a real OIDC issuer on loopback.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { describeEachDialect, sqlite, tempDir } from '../support/databases';
import { TestOidcIssuer } from '../support/oidc-issuer';
import { closedPort } from '../support/processes';
import { useTestService } from '../support/service';

const RULE = {
  issuer: 'ci',
  claims: { repository: 'acme/*', ref: 'refs/heads/main' },
  scopes: ['secret:get:ci/{repository}/**'],
  subject: 'gh/{repository}',
  ttl: 900,
};
const CLAIMS = { sub: 'repo:acme/widgets:ref:refs/heads/main', repository: 'acme/widgets', ref: 'refs/heads/main' };

/** Writes SECRETS_OIDC_ISSUERS once `url()` is known, in a hook that runs before the service's own. */
function issuersFile(url: () => string): string {
  const file = path.join(tempDir('scoped-secrets-oidc-'), 'issuers.json');
  before(() => fs.writeFileSync(file, JSON.stringify([{ name: 'ci', issuer: url(), audience: 'scoped-secrets' }])));
  return file;
}

describeEachDialect('trust rules and token exchange', (dialect) => {
  const provider = new TestOidcIssuer();
  before(() => provider.start());
  after(() => provider.stop());
  const svc = useTestService(dialect, { SECRETS_OIDC_ISSUERS: issuersFile(() => provider.url) });
  let admin: string;

  before(async () => {
    admin = svc.token(['secret:*:**', 'trust:*:**', 'token:*:**', 'audit:read:**'], 'admin');
    const expires = new Date(svc.clock.now() + 86_400_000).toISOString();
    for (const key of ['ci/acme/widgets/db', 'ci/other/db']) {
      assert.equal(
        (
          await request(svc.app)
            .put(`/v1/secret/${key}`)
            .set('Authorization', `Bearer ${admin}`)
            .send({ value: { pw: `pw-${key}` }, expires })
        ).status,
        201,
      );
    }
  });

  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const putRule = (name: string, body: object, token = admin) => request(svc.app).put(`/v1/trust/${name}`).set(as(token)).send(body);
  const exchange = (token: string) => request(svc.app).post('/v1/tokens/exchange').send({ token });
  // The service's clock is fixed; the issuer signs with real time: give tokens times the service accepts.
  const idToken = async (claims: object = CLAIMS, options: Parameters<TestOidcIssuer['sign']>[1] = {}) => {
    const now = Math.floor(svc.clock.now() / 1000);
    return provider.sign({ iat: now, exp: now + 600, ...claims }, options);
  };

  describe('rules', () => {
    it('are created (201), replaced (200), read and listed by what the caller may get, and deleted', async () => {
      const created = await putRule('gh/deploy', RULE);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.deepEqual(created.body, { name: 'gh/deploy', ...RULE });
      assert.equal((await putRule('gh/deploy', { ...RULE, description: 'deploys' })).status, 200);
      assert.equal((await request(svc.app).get('/v1/trust/gh/deploy').set(as(admin))).body.description, 'deploys');
      assert.equal((await putRule('other/rule', { ...RULE, claims: { repository: 'other/*' } })).status, 201);
      const viewer = svc.token(['trust:get:gh/**']);
      const listed = await request(svc.app).get('/v1/trust').set(as(viewer));
      assert.deepEqual(
        (listed.body.rules as Array<{ name: string }>).map((rule) => rule.name),
        ['gh/deploy'],
      );
      assert.equal((await request(svc.app).delete('/v1/trust/other/rule').set(as(admin))).status, 204);
      assert.equal((await request(svc.app).delete('/v1/trust/other/rule').set(as(admin))).status, 404);
      assert.equal((await request(svc.app).get('/v1/trust/other/rule').set(as(admin))).body.code, 'TrustRuleNotFound');
    });

    it('check the scope before existence', async () => {
      const stranger = svc.token(['trust:get:elsewhere/**', 'trust:delete:elsewhere/**']);
      for (const name of ['gh/deploy', 'gh/missing']) {
        assert.equal((await request(svc.app).get(`/v1/trust/${name}`).set(as(stranger))).status, 403, name);
        assert.equal((await request(svc.app).delete(`/v1/trust/${name}`).set(as(stranger))).status, 403, name);
      }
    });

    it('refuse a writer who does not cover what the rule can grant, each placeholder read as **', async () => {
      const narrow = svc.token(['trust:set:**', 'secret:*:ci/acme/**'], 'narrow');
      const refused = await putRule('gh/narrow', RULE, narrow);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, 'ScopeEscalation');
      assert.deepEqual(refused.body.details.uncovered, ['secret:get:ci/**/**', 'token:create:gh/**']);
      const wide = svc.token(['trust:set:**', 'secret:get:ci/**', 'token:create:gh/**'], 'wide');
      assert.equal((await putRule('gh/wide', RULE, wide)).status, 201);
      assert.equal((await request(svc.app).delete('/v1/trust/gh/wide').set(as(admin))).status, 204);
    });

    for (const [why, body] of [
      ['an unknown issuer', { ...RULE, issuer: 'nowhere' }],
      ['a placeholder inside a segment', { ...RULE, scopes: ['secret:get:ci/x{repository}'] }],
      ['no claims', { ...RULE, claims: {} }],
      ['a ttl under a minute', { ...RULE, ttl: 30 }],
      ['a missing field', { issuer: 'ci', claims: RULE.claims, ttl: 900 }],
    ] as const) {
      it(`refuse ${why} with 400`, async () => {
        const res = await putRule('gh/bad', body);
        assert.equal(res.status, 400);
        assert.equal(res.body.code, 'InvalidRequest');
      });
    }
  });

  describe('issuers', () => {
    it('are listed to a caller with any trust scope, and the name issuers is no rule', async () => {
      const reader = svc.token(['trust:get:gh/**'], 'reader');
      const res = await request(svc.app).get('/v1/trust/issuers').set(as(reader));
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { issuers: [{ name: 'ci', issuer: provider.url, audience: 'scoped-secrets' }] });
      const none = await request(svc.app)
        .get('/v1/trust/issuers')
        .set(as(svc.token(['secret:get:**'], 'no-trust')));
      assert.equal(none.status, 403);
      assert.equal((await request(svc.app).get('/v1/trust/issuers')).status, 401);
      const reserved = await putRule('issuers', RULE);
      assert.equal(reserved.status, 405, 'the path is the issuer list, read-only');
      assert.equal(reserved.headers.allow, 'GET');
    });
  });

  describe('exchange', () => {
    /** What the rule gh/deploy grants the job acme/widgets: its subject, scopes and ttl, and nothing of any other rule. */
    const assertDecidedByDeploy = (res: request.Response) => {
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.subject, 'gh/acme/widgets');
      assert.deepEqual(res.body.scopes, ['secret:get:ci/acme/widgets/**']);
      assert.deepEqual(res.body.rules, ['gh/deploy']);
      assert.equal(res.body.expires, new Date(svc.clock.now() + 900_000).toISOString());
    };

    it("gives a recorded token of the rule's subject and scopes, which works inside them only", async () => {
      const res = await exchange(await idToken());
      assertDecidedByDeploy(res);
      assert.equal(
        (await request(svc.app).get('/v1/secret/ci/acme/widgets/db').set(as(res.body.token))).body.value.pw,
        'pw-ci/acme/widgets/db',
      );
      assert.equal((await request(svc.app).get('/v1/secret/ci/other/db').set(as(res.body.token))).status, 403);
      assert.equal((await exchange(await idToken())).status, 201, 'the same kind of ID token may be exchanged again');
    });

    describe('by one rule, whatever rules other teams write', () => {
      // Team B's lead: may write rules under team-b/ and mint for team-b subjects, nothing of team A's.
      const teamB = () => svc.token(['trust:*:team-b/**', 'secret:get:ci/team-b/**', 'token:create:team-b/**'], 'team-b-lead');
      const removeRules = async (...names: string[]) => {
        for (const name of names) await request(svc.app).delete(`/v1/trust/${name}`).set(as(admin));
      };

      it("a catch-all rule of another team neither re-subjects, shortens nor widens the team's own exchange", async () => {
        const catchAll = {
          issuer: 'ci',
          claims: { repository: '**' },
          scopes: ['secret:get:ci/team-b/**'],
          subject: 'team-b/everyone',
          ttl: 60,
        };
        assert.equal((await putRule('team-b/catch-all', catchAll, teamB())).status, 201);
        try {
          assertDecidedByDeploy(await exchange(await idToken()));
          const other = await exchange(await idToken({ ...CLAIMS, repository: 'someone/else' }));
          assert.equal(other.body.subject, 'team-b/everyone', 'the catch-all decides where it is the only match');
        } finally {
          await removeRules('team-b/catch-all');
        }
      });

      it("a rule of 256 scopes elsewhere does not make the team's exchange fail", async () => {
        const scopes = Array.from({ length: 256 }, (_, index) => `secret:get:ci/team-b/s${index}`);
        assert.equal((await putRule('team-b/wide', { issuer: 'ci', claims: { repository: '**' }, scopes, ttl: 60 }, teamB())).status, 201);
        try {
          assert.equal((await exchange(await idToken())).status, 201);
        } finally {
          await removeRules('team-b/wide');
        }
      });

      it('matching rules with no single most specific one are 409 AmbiguousTrustRule, naming no rule, until one is named', async () => {
        const byActor = {
          issuer: 'ci',
          claims: { repository: 'acme/widgets', actor: 'alice' },
          scopes: ['secret:get:ci/team-b/**'],
          subject: 'team-b/alice',
          ttl: 60,
        };
        assert.equal((await putRule('team-b/by-actor', byActor, teamB())).status, 201);
        try {
          const claims = { ...CLAIMS, actor: 'alice' };
          const ambiguous = await exchange(await idToken(claims));
          assert.equal(ambiguous.status, 409);
          assert.equal(ambiguous.body.code, 'AmbiguousTrustRule');
          assert.ok(
            !JSON.stringify(ambiguous.body).includes('gh/deploy') && !JSON.stringify(ambiguous.body).includes('team-b'),
            'the rules are not named',
          );
          const named = await request(svc.app)
            .post('/v1/tokens/exchange')
            .send({ token: await idToken(claims), rule: 'gh/deploy' });
          assert.equal(named.status, 201, JSON.stringify(named.body));
          assert.deepEqual(named.body.rules, ['gh/deploy']);
          assert.equal(named.body.subject, 'gh/acme/widgets');
        } finally {
          await removeRules('team-b/by-actor');
        }
      });

      it('a named rule is evaluated alone: one that does not match, or does not exist, is 403 alike', async () => {
        const named = async (rule: string, claims: object = CLAIMS) =>
          request(svc.app)
            .post('/v1/tokens/exchange')
            .send({ token: await idToken(claims), rule });
        assert.equal((await named('gh/deploy', { ...CLAIMS, repository: 'evil/x' })).body.code, 'NoMatchingTrustRule');
        assert.equal((await named('gh/missing')).body.code, 'NoMatchingTrustRule');
        assert.equal((await named('gh//bad')).status, 400);
      });

      it("a rule's writer must hold token:create for its subject, placeholders read as **", async () => {
        // trust:set and the secret scopes, but no token:create: no rule that mints root.
        const writer = svc.token(['trust:set:team-a/**', 'secret:get:ci/team-a/**'], 'team-a-lead');
        const asRoot = { issuer: 'ci', claims: { repository: 'acme/*' }, scopes: ['secret:get:ci/team-a/**'], subject: 'root', ttl: 60 };
        const refused = await putRule('team-a/root', asRoot, writer);
        assert.equal(refused.status, 403);
        assert.equal(refused.body.code, 'ScopeEscalation');
        assert.deepEqual(refused.body.details.uncovered, ['token:create:root']);
        const placeholder = await putRule('team-a/any', { ...asRoot, subject: '{repository}' }, writer);
        assert.deepEqual(placeholder.body.details.uncovered, ['token:create:**']);
        assert.equal((await exchange(await idToken())).body.subject, 'gh/acme/widgets', 'nothing was stored');
        const allowed = svc.token(['trust:set:team-a/**', 'secret:get:ci/team-a/**', 'token:create:team-a/**'], 'team-a-lead');
        assert.equal((await putRule('team-a/own', { ...asRoot, subject: 'team-a/{repository}' }, allowed)).status, 201);
        assert.equal(
          (await putRule('team-a/default', { ...asRoot, subject: undefined }, writer)).status,
          201,
          'the default subject, issuer/rule, needs no scope',
        );
        await removeRules('team-a/own', 'team-a/default');
      });
    });

    it('never fills a placeholder with a wildcard, even for a claim the rule does not match on', async () => {
      // The rule matches on ref alone; repository only fills the scope's placeholder, and the subject is the default.
      assert.equal((await putRule('gh/open', { ...RULE, claims: { ref: 'refs/heads/release' }, subject: undefined })).status, 201);
      try {
        for (const repository of ['*', '**', 'acme/*', 'acme/..']) {
          const res = await exchange(await idToken({ ...CLAIMS, ref: 'refs/heads/release', repository }));
          assert.equal(res.status, 403, `${repository}: ${JSON.stringify(res.body)}`);
        }
        assert.equal((await exchange(await idToken({ ...CLAIMS, ref: 'refs/heads/release' }))).status, 201);
      } finally {
        await request(svc.app).delete('/v1/trust/gh/open').set(as(admin));
      }
    });

    it('is 403 NoMatchingTrustRule when no rule matches, and after the rule is deleted', async () => {
      const other = await exchange(await idToken({ ...CLAIMS, repository: 'evil/widgets' }));
      assert.equal(other.status, 403);
      assert.equal(other.body.code, 'NoMatchingTrustRule');
      const dots = await exchange(await idToken({ ...CLAIMS, repository: 'acme/..' }));
      assert.equal(dots.status, 403, 'a claim that is not a key never fills a placeholder');
    });

    it('is 401 for a bad, expired, foreign-audience or unknown-issuer ID token, with no body echo', async () => {
      const now = Math.floor(svc.clock.now() / 1000);
      const cases = [
        await idToken({ ...CLAIMS, exp: now - 5 }),
        await idToken(CLAIMS, { audience: 'another-service' }),
        await idToken({ ...CLAIMS, iss: 'https://elsewhere.example.com' }),
        await idToken(CLAIMS, { kid: 'unknown' }),
        'not-a-jwt',
      ];
      for (const token of cases) {
        const res = await exchange(token);
        assert.equal(res.status, 401, token.slice(0, 20));
        assert.equal(res.body.code, 'Unauthorized');
        assert.ok(!JSON.stringify(res.body).includes(token));
      }
    });

    it('gives a token that can be revoked like any other', async () => {
      const res = await exchange(await idToken());
      assert.equal((await request(svc.app).post('/v1/tokens/revoke').set(as(res.body.token)).send({ jti: res.body.jti })).status, 204);
      assert.equal((await request(svc.app).get('/v1/whoami').set(as(res.body.token))).status, 401);
    });

    it("audits token.exchange with the issuer, the ID token's sub and the rule, never a token", async () => {
      const id = await idToken();
      const res = await exchange(id);
      await exchange(await idToken({ ...CLAIMS, repository: 'evil/x' }));
      await svc.auditWritten();
      const events = await request(svc.app).get('/v1/audit?limit=1000').set(as(admin));
      const text = JSON.stringify(events.body);
      assert.ok(!text.includes(id) && !text.includes(res.body.token), 'no ID token and no exchanged token in the audit trail');
      const exchanges = (events.body.events as Array<{ action: string; outcome: number; key: string | null; detail?: string }>).filter(
        (event) => event.action === 'token.exchange',
      );
      const success = exchanges.find((event) => event.outcome === 201);
      assert.equal(success?.key, 'gh/acme/widgets');
      assert.deepEqual(JSON.parse(success?.detail ?? '{}'), { issuer: 'ci', sub: CLAIMS.sub, rule: 'gh/deploy' });
      assert.ok(exchanges.some((event) => event.outcome === 403));
      assert.ok((events.body.events as Array<{ action: string }>).some((event) => event.action === 'trust.set'));
      assert.ok((events.body.events as Array<{ action: string }>).some((event) => event.action === 'trust.delete'));
    });
  });
});

describe('token exchange with an issuer that was never reachable', () => {
  let port = 0;
  before(async () => {
    port = await closedPort();
  });
  const svc = useTestService(sqlite, { SECRETS_OIDC_ISSUERS: issuersFile(() => `http://127.0.0.1:${port}`) });

  it('answers 503 Unavailable, not 401', async () => {
    const fake = `${Buffer.from('{"alg":"RS256","kid":"k"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: `http://127.0.0.1:${port}`, aud: 'scoped-secrets', sub: 'x' })).toString('base64url')}.c2ln`;
    const res = await request(svc.app).post('/v1/tokens/exchange').send({ token: fake });
    assert.equal(res.status, 503);
    assert.equal(res.body.code, 'Unavailable');
  });
});

describe('trust rules on a server with no OIDC issuer', () => {
  const svc = useTestService(sqlite);

  it('are refused with a message that says how to configure one, and the issuer list is empty', async () => {
    const admin = { Authorization: `Bearer ${svc.token(['trust:*:**', 'secret:*:**', 'token:*:**'], 'admin')}` };
    const res = await request(svc.app).put('/v1/trust/gh/deploy').set(admin).send(RULE);
    assert.equal(res.status, 400);
    assert.match(res.body.message, /no OIDC issuer is configured on this server: .*SECRETS_OIDC_ISSUERS/);
    assert.deepEqual((await request(svc.app).get('/v1/trust/issuers').set(admin)).body, { issuers: [] });
  });
});
