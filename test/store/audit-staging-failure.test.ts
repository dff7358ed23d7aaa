/**
 * A write and its audit event commit together, so a write whose event
 * cannot be staged must not commit: with the audit outbox refusing every
 * insert (a trigger), each kind of write fails and leaves nothing behind,
 * on SQLite (through the write thread) and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Knex } from 'knex';
import request from 'supertest';
import { connectDatabase } from '../../src/storage/knex/connect';
import { describeEachDialect } from '../support/databases';
import { useTestService } from '../support/service';

const REFUSE_SQLITE = "CREATE TRIGGER refuse_outbox BEFORE INSERT ON audit_outbox BEGIN SELECT RAISE(ABORT, 'the outbox refuses'); END";
const REFUSE_POSTGRES = [
  "CREATE FUNCTION refuse_outbox() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'the outbox refuses'; END $$ LANGUAGE plpgsql",
  'CREATE TRIGGER refuse_outbox BEFORE INSERT ON audit_outbox FOR EACH ROW EXECUTE FUNCTION refuse_outbox()',
];

describeEachDialect('a write whose audit event cannot be staged', (dialect) => {
  const svc = useTestService(dialect);
  let knex: Knex;
  let admin: string;
  const as = () => ({ Authorization: `Bearer ${admin}` });
  const expires = () => new Date(svc.clock.now() + 3_600_000).toISOString();

  before(async () => {
    admin = svc.token(['secret:*:**', 'token:*:**', 'wrap:value:**', 'audit:read:**'], 'admin');
    // Written while the outbox still takes events: the delete and the wrap of it are refused later.
    assert.equal(
      (
        await request(svc.app)
          .put('/v1/secret/ci/kept')
          .set(as())
          .send({ value: { a: 'kept' }, expires: expires() })
      ).status,
      201,
    );
    knex = connectDatabase(svc.config.db);
    for (const statement of dialect.name === 'sqlite' ? [REFUSE_SQLITE] : REFUSE_POSTGRES) await knex.raw(statement);
  });
  after(() => knex.destroy());

  it('a secret write fails and is not stored', async () => {
    const res = await request(svc.app)
      .put('/v1/secret/ci/new')
      .set(as())
      .send({ value: { a: 'b' }, expires: expires() });
    assert.ok(res.status >= 500, `status ${res.status}`);
    assert.equal((await request(svc.app).get('/v1/secret/ci/new').set(as())).status, 404);
  });

  it('a replacement fails and leaves the version before it', async () => {
    const res = await request(svc.app)
      .put('/v1/secret/ci/kept')
      .set(as())
      .send({ value: { a: 'changed' }, expires: expires() });
    assert.ok(res.status >= 500, `status ${res.status}`);
    const read = await request(svc.app).get('/v1/secret/ci/kept').set(as());
    assert.deepEqual([read.body.version, read.body.value], [1, { a: 'kept' }]);
  });

  it('a delete fails and the secret stays', async () => {
    assert.ok((await request(svc.app).delete('/v1/secret/ci/kept').set(as())).status >= 500);
    assert.equal((await request(svc.app).get('/v1/secret/ci/kept').set(as())).status, 200);
  });

  it('a derived token fails and is not recorded, so it cannot be revoked as one', async () => {
    const res = await request(svc.app)
      .post('/v1/tokens')
      .set(as())
      .send({ scopes: ['secret:get:ci/**'], ttl: 60 });
    assert.ok(res.status >= 500, `status ${res.status}`);
    assert.equal(res.body.token, undefined);
  });

  it('a wrap fails and hands out no wrap token', async () => {
    for (const body of [
      { key: 'ci/kept', ttl: 60 },
      { value: { a: 'b' }, ttl: 60 },
    ]) {
      const res = await request(svc.app).post('/v1/wrap').set(as()).send(body);
      assert.ok(res.status >= 500, `status ${res.status}`);
      assert.equal(res.body.wrapToken, undefined);
    }
    assert.deepEqual(await knex('wraps').select('id'), []);
  });
});
