/**
 * Dynamic secrets over HTTP, on SQLite and PostgreSQL, with the real Redis
 * as the backend: who may configure, draw, see, renew and revoke what;
 * bad settings refused before anything is stored; leases that cannot
 * outlive their token or their backend's maximum; and no password in an
 * answer, the database or the audit trail but the draw's own answer.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import request from 'supertest';
import { describeEachDialect } from '../support/databases';
import { kindServer } from '../support/dynamic-servers';
import { useTestService } from '../support/service';

describeEachDialect('dynamic secrets API', (dialect) => {
  const svc = useTestService(dialect);
  const redis = kindServer('redis');
  let backend: Record<string, unknown>;
  let admin: string;
  let teamA: string;
  let drawerA: string;
  let drawerB: string;
  const drawnPasswords: string[] = [];

  const call = (method: 'get' | 'put' | 'post' | 'delete', path: string, token: string) =>
    request(svc.app)[method](path).set('Authorization', `Bearer ${token}`);

  before(async () => {
    backend = await redis.setUp();
    admin = svc.token(['dynamic:*:**', 'audit:read:**'], 'admin');
    teamA = svc.token(['dynamic:configure:teamA/**', 'dynamic:list:teamA/**', 'dynamic:revoke:teamA/**'], 'team-a-admin');
    drawerA = svc.token(['dynamic:lease:teamA/**'], 'task-a');
    drawerB = svc.token(['dynamic:lease:teamA/**'], 'task-b');
    assert.equal((await call('put', '/v1/backends/teamA/redis', teamA).send({ ...backend, defaultTtl: 600, maxTtl: 3600 })).status, 201);
    assert.equal((await call('put', '/v1/backends/teamB/redis', admin).send(backend)).status, 201);
  });

  const draw = async (token: string, key = 'teamA/redis', body: object = {}) => {
    const res = await call('post', `/v1/creds/${key}`, token).send(body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    drawnPasswords.push(res.body.credential.password as string);
    return res.body as {
      lease: { id: string; expires: string; renewableUntil: string };
      credential: { username: string; password: string; url: string };
    };
  };

  describe('backends', () => {
    it('refuses a caller without dynamic:configure with 403, whether or not the backend exists', async () => {
      for (const key of ['teamB/redis', 'teamB/absent']) {
        const put = await call('put', `/v1/backends/${key}`, teamA).send(backend);
        assert.equal(put.status, 403);
        assert.equal(put.body.message, `this request requires the scope dynamic:configure:${key}`);
        assert.equal((await call('get', `/v1/backends/${key}`, teamA)).status, 403);
        assert.equal((await call('delete', `/v1/backends/${key}`, teamA)).status, 403);
      }
      assert.equal((await call('get', '/v1/backends/teamA/absent', teamA)).body.code, 'BackendNotFound');
    });

    it('shows the settings with the defaults filled in, never the administrative password, which is sealed at rest', async () => {
      const res = await call('get', '/v1/backends/teamA/redis', teamA);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.aclRules, ['~*', '+@read']);
      assert.equal(res.body.connection.password, undefined);
      assert.equal(JSON.stringify(res.body).includes(redis.adminPassword), false);
      const rows = (await svc.knex('dynamic_backends').select('*')) as Array<Record<string, unknown>>;
      for (const row of rows) {
        for (const value of Object.values(row))
          assert.equal(String(Buffer.isBuffer(value) ? value.toString('latin1') : value).includes(redis.adminPassword), false);
      }
    });

    it('lists only the backends the caller may configure or draw from', async () => {
      const listed = await call('get', '/v1/backends', drawerA);
      assert.deepEqual(
        listed.body.backends.map((b: { key: string }) => b.key),
        ['teamA/redis'],
      );
    });

    it('refuses bad settings with 400 and stores nothing', async () => {
      const bad: Array<[object, RegExp]> = [
        [{ ...backend, kind: 'oracle' }, /kind/],
        [{ ...backend, aclRules: ['>extra-password'] }, /passwords and on\/off are set by the service/],
        [{ ...backend, aclRules: ['on'] }, /passwords and on\/off/],
        [{ ...backend, creationStatements: ['SELECT 1'] }, /creationStatements is for another kind/],
        [{ ...backend, defaultTtl: 7200, maxTtl: 3600 }, /defaultTtl must not be more than maxTtl/],
        [{ ...backend, connection: { ...(backend.connection as object), password: undefined } }, /connection.password is required/],
        [{ kind: 'postgresql', connection: { host: 'h', port: 5432, username: 'u', password: 'p' } }, /connection.database is required/],
        [
          {
            kind: 'postgresql',
            connection: { host: 'h', port: 5432, database: 'd', username: 'u', password: 'p' },
            creationStatements: ['CREATE ROLE "{{name}}"'],
          },
          /no statement uses \{\{password\}\}/,
        ],
        [
          {
            kind: 'mariadb',
            connection: { host: 'h', port: 3306, database: 'd', username: 'u', password: 'p' },
            revocationStatements: ['DROP USER {{user}}'],
          },
          /unknown placeholder \{\{user\}\}/,
        ],
        [
          {
            kind: 'rabbitmq',
            connection: { host: 'h', port: 15672, username: 'u', password: 'p' },
            permissions: { configure: '(', write: '', read: '' },
          },
          /permissions.configure/,
        ],
      ];
      for (const [body, message] of bad) {
        const res = await call('put', '/v1/backends/teamA/bad', teamA).send(body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.match(res.body.message, message);
      }
      assert.equal((await call('get', '/v1/backends/teamA/bad', teamA)).status, 404);
    });
  });

  describe('leases', () => {
    it('draws only with dynamic:lease for that backend: 403 otherwise, whether or not it exists', async () => {
      for (const key of ['teamB/redis', 'teamB/absent']) {
        const res = await call('post', `/v1/creds/${key}`, drawerA).send({});
        assert.equal(res.status, 403);
        assert.equal(res.body.message, `this request requires the scope dynamic:lease:${key}`);
      }
      assert.equal((await call('post', '/v1/creds/teamA/absent', drawerA).send({})).body.code, 'BackendNotFound');
    });

    it("hides a lease from another drawer, and lets its own drawer, the backend's listers and revokers act on it", async () => {
      const drawn = await draw(drawerA);
      for (const attempt of [
        call('get', `/v1/leases/${drawn.lease.id}`, drawerB),
        call('post', `/v1/leases/${drawn.lease.id}/renew`, drawerB).send({}),
        call('delete', `/v1/leases/${drawn.lease.id}`, drawerB),
      ]) {
        const res = await attempt;
        assert.equal(res.status, 404);
        assert.equal(res.body.code, 'LeaseNotFound');
      }
      const listedByB = await call('get', '/v1/leases', drawerB);
      assert.equal(
        listedByB.body.leases.some((lease: { id: string }) => lease.id === drawn.lease.id),
        false,
      );
      const listedByTeam = await call('get', '/v1/leases?prefix=teamA', teamA);
      assert.ok(listedByTeam.body.leases.some((lease: { id: string }) => lease.id === drawn.lease.id));
      assert.equal((await call('get', `/v1/leases/${drawn.lease.id}`, drawerA)).status, 200);
      assert.equal((await call('delete', `/v1/leases/${drawn.lease.id}`, teamA)).status, 204);
      assert.equal(await redis.exists(drawn.credential.username), false);
      assert.equal((await call('get', `/v1/leases/${drawn.lease.id}`, drawerA)).status, 404);
    });

    it('never lets a lease outlive the backend maximum, nor the token that drew or renewed it', async () => {
      const drawn = await draw(drawerA, 'teamA/redis', { ttl: 60 });
      assert.equal(Date.parse(drawn.lease.expires), svc.clock.now() + 60_000);
      // The drawing token ends an hour from now, as does the backend's maximum TTL.
      assert.equal(Date.parse(drawn.lease.renewableUntil), svc.clock.now() + 3_600_000);
      const renewed = await call('post', `/v1/leases/${drawn.lease.id}/renew`, drawerA).send({ ttl: 86_400 });
      assert.equal(renewed.status, 200);
      assert.equal(renewed.body.expires, drawn.lease.renewableUntil);
      assert.equal((await call('delete', `/v1/leases/${drawn.lease.id}`, drawerA)).status, 204);
    });

    it('revokes a lease at its expiry, audited with its user name and never its password', async () => {
      const drawn = await draw(drawerA, 'teamA/redis', { ttl: 30 });
      assert.equal(await redis.exists(drawn.credential.username), true);
      svc.clock.advance(31_000);
      await svc.services.sweeper.runOnce();
      assert.equal(await redis.exists(drawn.credential.username), false);
      await svc.auditWritten();
      const audit = await call('get', '/v1/audit?key=teamA/redis', admin);
      assert.equal(audit.status, 200, JSON.stringify(audit.body));
      const events = audit.body.events as Array<{ action: string; detail?: string; outcome: number }>;
      const created = events.find((event) => event.action === 'lease.create' && event.detail?.startsWith(drawn.lease.id));
      assert.equal(created?.detail, `${drawn.lease.id}: user ${drawn.credential.username}`);
      const revoked = events.find((event) => event.action === 'lease.revoked' && event.detail?.startsWith(drawn.lease.id));
      assert.equal(revoked?.detail, `${drawn.lease.id} (expired): user ${drawn.credential.username}`);
      for (const password of drawnPasswords) assert.equal(JSON.stringify(audit.body).includes(password), false);
    });

    it('refuses to delete a backend with leases (409), and revokes by prefix only with dynamic:revoke over it', async () => {
      await draw(drawerA);
      assert.equal((await call('delete', '/v1/backends/teamA/redis', teamA)).status, 409);
      const refused = await call('post', '/v1/leases/revoke', teamA).send({ prefix: 'teamB' });
      assert.equal(refused.status, 403);
      const revoking = await call('post', '/v1/leases/revoke', teamA).send({ prefix: 'teamA' });
      assert.equal(revoking.status, 202);
      assert.equal(revoking.body.revoking, 1);
      await svc.services.sweeper.runOnce();
      assert.deepEqual((await call('get', '/v1/leases?prefix=teamA', teamA)).body.leases, []);
      assert.equal((await call('delete', '/v1/backends/teamA/redis', teamA)).status, 204);
    });

    it('answers a malformed lease id with 404 and a malformed continuation token with 400', async () => {
      assert.equal((await call('get', '/v1/leases/..%2Fsecret', admin)).status, 404);
      assert.equal((await call('get', '/v1/leases/not-a-lease', admin)).body.code, 'LeaseNotFound');
      assert.equal((await call('get', '/v1/leases?continuationToken=xyz', admin)).body.code, 'InvalidContinuationToken');
    });
  });

  it('stores no drawn password in the database', async () => {
    for (const table of ['leases', 'dynamic_backends', 'audit_events', 'audit_outbox']) {
      const rows = JSON.stringify(await svc.knex(table).select('*'));
      for (const password of [...drawnPasswords, redis.adminPassword])
        assert.equal(rows.includes(password), false, `a password in ${table}`);
    }
  });
});
