/**
 * The storage contract: the same cases on SQLite, PostgreSQL and the
 * in-memory storage the service tests use. Each backend writes its own
 * algorithms (SQLite on its write thread, PostgreSQL in batched
 * statements, memory in plain maps); these cases hold every copy to the
 * same behaviour.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { AuditChain } from '../../src/audit/audit-chain';
import type { AuditAction, AuditEventInput } from '../../src/audit/audit-event';
import { verifyAuditChain } from '../../src/audit/chain-verifier';
import type { EncryptedValue } from '../../src/crypto/envelope';
import type { KeyRotationStorage } from '../../src/keyring/key-rotation';
import { silentLogger } from '../../src/common/logger';
import { loadConfig } from '../../src/config';
import type { PutCommand, SecretRecord } from '../../src/secrets/secret-storage';
import { MemoryStorage } from '../../src/storage/memory/memory-storage';
import { openStorage, openStorageAdmin } from '../../src/storage/open-storage';
import type { Storage } from '../../src/storage/storage';
import { serializeEncrypted } from '../../src/tokens/keyring-signing-keys';
import { REVOCATION_GRACE_MS } from '../../src/tokens/token-storage';
import type { WrapRecord } from '../../src/wraps/wrap-storage';
import { dialects, type Dialect } from '../support/databases';

interface Opened {
  readonly storage: Storage;
  readonly keyRotation: KeyRotationStorage;
  readonly chain: AuditChain;
  close(): Promise<void>;
}

interface Backend {
  readonly name: string;
  readonly skip: false | string;
  open(): Promise<Opened>;
}

function onDatabase(dialect: Dialect): Backend {
  return {
    name: dialect.name,
    skip: dialect.skip,
    async open() {
      const database = await dialect.create();
      const db = loadConfig({ SECRETS_DB: database.url }).db;
      const admin = openStorageAdmin(db);
      await admin.migrate();
      const key = randomBytes(32);
      const chain = new AuditChain(key);
      const storage = await openStorage(db, chain, key, silentLogger);
      return {
        storage,
        keyRotation: admin.keyRotation,
        chain,
        async close() {
          await storage.close();
          await admin.close();
          await database.drop();
        },
      };
    },
  };
}

const inMemory: Backend = {
  name: 'memory',
  skip: false,
  async open() {
    const chain = new AuditChain(randomBytes(32));
    const storage = new MemoryStorage(chain);
    return { storage, keyRotation: storage.keyRotation, chain, close: async () => {} };
  },
};

const HOUR = 3_600_000;
const T0 = Date.UTC(2030, 0, 1);

function sealedFor(keyId: string, text: string): EncryptedValue {
  return { keyId, wrappedKey: Buffer.from(`wrapped-${text}`), ciphertext: Buffer.from(`ciphertext-${text}`) };
}

function event(action: AuditAction, key: string | null, time = T0, outcome = 200): AuditEventInput {
  return { time, subject: 'contract', jti: null, action, key, outcome, requestId: null, client: null };
}

function record(key: string, version: number, expiresAt = T0 + HOUR, at = T0): SecretRecord {
  return { key, version, createdAt: T0, updatedAt: at, expiresAt };
}

/** A PUT of `key` at `version` planned on `expected`. */
function put(
  key: string,
  version: number,
  expected: PutCommand['expected'],
  options: { expiresAt?: number; keep?: number } = {},
): PutCommand {
  const rec = record(key, version, options.expiresAt, T0 + version);
  return {
    expected,
    record: rec,
    encrypted: sealedFor('k1', `${key}@${version}`),
    keepVersions: options.keep ?? 10,
    events: [event('secret.write', key, T0 + version, version === 1 ? 201 : 200)],
  };
}

const planned = (command: PutCommand) => ({ version: command.record.version, expiresAt: command.record.expiresAt });

describe('storage contract', async () => {
  const backends = [...(await dialects()).map(onDatabase), inMemory];
  for (const backend of backends) {
    describe(`on ${backend.name}`, { skip: backend.skip }, () => {
      let opened: Opened;
      let storage: Storage;
      beforeEach(async () => {
        opened = await backend.open();
        storage = opened.storage;
      });
      afterEach(() => opened.close());

      /** Moves every event that writes committed into the chain, as the audit log does soon after each write. */
      async function moveStaged(): Promise<void> {
        while ((await storage.audit.append([], true)) > 0);
      }

      /** The chain's events about `key`, oldest first, once what writes committed is in it. */
      async function eventsAbout(key: string): Promise<Array<[string, number]>> {
        await moveStaged();
        return (await storage.audit.query({ key, limit: 100 })).map((e) => [e.action, e.outcome]);
      }

      it('commits a write with its event: the secret reads back, and the event reaches the chain', async () => {
        const first = put('c/a', 1, null);
        assert.equal(await storage.secrets.put(first), true);
        const current = await storage.secrets.getCurrent('c/a');
        assert.deepEqual(current?.encrypted, first.encrypted);
        assert.deepEqual(await storage.secrets.getRecord('c/a'), first.record);
        assert.equal(await storage.secrets.countLive(T0), 1);
        assert.equal(await storage.secrets.countLive(T0 + HOUR), 0, 'expired at its expiry');
        assert.deepEqual(await eventsAbout('c/a'), [['secret.write', 201]]);
        const verdict = await verifyAuditChain(storage.audit, opened.chain);
        assert.equal(verdict.ok, true);
      });

      it('check-and-set: a write planned on a record that changed writes nothing, no version and no event', async () => {
        const first = put('c/cas', 1, null);
        await storage.secrets.put(first);
        const second = put('c/cas', 2, planned(first));
        assert.equal(await storage.secrets.put(second), true);
        assert.equal(await storage.secrets.put(put('c/cas', 2, planned(first))), false, 'planned on version 1');
        assert.equal(await storage.secrets.put(put('c/cas', 3, { version: 2, expiresAt: T0 + 2 * HOUR })), false, 'another expiry');
        assert.equal(await storage.secrets.put(put('c/cas', 1, null)), false, 'a create where a secret is');
        assert.equal(await storage.secrets.delete({ key: 'c/cas', expected: planned(first), events: [] }), false);
        assert.equal((await storage.secrets.getCurrent('c/cas'))?.version, 2);
        assert.equal(await storage.secrets.getVersion('c/cas', 3), undefined);
        assert.deepEqual(await eventsAbout('c/cas'), [
          ['secret.write', 201],
          ['secret.write', 200],
        ]);
      });

      it('of two writes planned on the same record at once, exactly one wins', async () => {
        const first = put('c/race', 1, null);
        await storage.secrets.put(first);
        const outcomes = await Promise.all([
          storage.secrets.put(put('c/race', 2, planned(first))),
          storage.secrets.put(put('c/race', 2, planned(first))),
        ]);
        assert.deepEqual(outcomes.sort(), [false, true]);
        const creates = await Promise.all([storage.secrets.put(put('c/new', 1, null)), storage.secrets.put(put('c/new', 1, null))]);
        assert.deepEqual(creates.sort(), [false, true]);
        assert.equal((await eventsAbout('c/race')).length, 2);
        assert.equal((await eventsAbout('c/new')).length, 1);
      });

      it('lands the writes of one turn to many keys, each with its own event', async () => {
        const keys = Array.from({ length: 30 }, (_unused, n) => `c/many/${String(n).padStart(2, '0')}`);
        const outcomes = await Promise.all(keys.map((key) => storage.secrets.put(put(key, 1, null))));
        assert.deepEqual(
          outcomes,
          keys.map(() => true),
        );
        for (const key of [keys[0], keys[29]] as string[]) {
          assert.equal((await storage.secrets.getCurrent(key))?.key, key);
          assert.deepEqual(await eventsAbout(key), [['secret.write', 201]]);
        }
      });

      it('keeps the versions asked for, and version 1 over an expired secret starts its history afresh', async () => {
        let previous = put('c/hist', 1, null, { keep: 2 });
        await storage.secrets.put(previous);
        for (const version of [2, 3, 4]) {
          const next = put('c/hist', version, planned(previous), { keep: 2 });
          assert.equal(await storage.secrets.put(next), true);
          previous = next;
        }
        assert.equal(await storage.secrets.getVersion('c/hist', 2), undefined);
        const third = await storage.secrets.getVersion('c/hist', 3);
        assert.deepEqual(third && [third.version, third.updatedAt, third.expiresAt, third.encrypted.ciphertext.toString()], [
          3,
          T0 + 3,
          T0 + HOUR,
          'ciphertext-c/hist@3',
        ]);
        const fresh = put('c/hist', 1, planned(previous));
        assert.equal(await storage.secrets.put(fresh), true);
        assert.equal(await storage.secrets.getVersion('c/hist', 4), undefined, 'the old life is gone');
        assert.equal((await storage.secrets.getCurrent('c/hist'))?.version, 1);
      });

      it('deletes a secret with all its versions and its event', async () => {
        const first = put('c/del', 1, null);
        await storage.secrets.put(first);
        assert.equal(
          await storage.secrets.delete({ key: 'c/del', expected: planned(first), events: [event('secret.delete', 'c/del', T0 + 10, 204)] }),
          true,
        );
        assert.equal(await storage.secrets.getCurrent('c/del'), undefined);
        assert.equal(await storage.secrets.getVersion('c/del', 1), undefined);
        assert.deepEqual(await eventsAbout('c/del'), [
          ['secret.write', 201],
          ['secret.delete', 204],
        ]);
      });

      it('lists a key range in key order after a cursor, expired secrets included', async () => {
        for (const key of ['l/b', 'l/a', 'l/c', 'm/a'])
          await storage.secrets.put(put(key, 1, null, { expiresAt: key === 'l/b' ? T0 : T0 + HOUR }));
        const keys = async (after: string | undefined, limit: number) =>
          (await storage.secrets.listRange({ from: 'l/', to: 'l/~' }, after, limit)).map((r) => r.key);
        assert.deepEqual(await keys(undefined, 10), ['l/a', 'l/b', 'l/c']);
        assert.deepEqual(await keys(undefined, 2), ['l/a', 'l/b']);
        assert.deepEqual(await keys('l/b', 10), ['l/c']);
        assert.deepEqual(await keys('a', 10), ['l/a', 'l/b', 'l/c'], 'a cursor before the range starts at the range');
      });

      it('purges expired secrets oldest first, each with a secret.expired event, and leaves live ones', async () => {
        for (const [key, expiresAt] of [
          ['p/b', T0 + 200],
          ['p/a', T0 + 100],
          ['p/c', T0 + 300],
          ['p/live', T0 + HOUR],
        ] as const) {
          await storage.secrets.put(put(key, 1, null, { expiresAt }));
        }
        await moveStaged();
        assert.deepEqual(await storage.secrets.purgeExpired(T0 + 250, 1), ['p/a']);
        assert.deepEqual(await storage.secrets.purgeExpired(T0 + 250, 10), ['p/b']);
        assert.deepEqual(await storage.secrets.purgeExpired(T0 + 250, 10), []);
        assert.equal(await storage.secrets.getCurrent('p/a'), undefined);
        assert.equal(await storage.secrets.getVersion('p/b', 1), undefined);
        assert.equal((await storage.secrets.getCurrent('p/c'))?.key, 'p/c');
        assert.deepEqual(await eventsAbout('p/a'), [
          ['secret.write', 201],
          ['secret.expired', 200],
        ]);
        const expired = (await storage.audit.query({ key: 'p/b', limit: 10 })).find((e) => e.action === 'secret.expired');
        assert.deepEqual(expired && [expired.time, expired.subject], [T0 + 250, null]);
      });

      it('appends a chain that verifies, queries it, and retention moves its anchor', async () => {
        const { head } = await storage.audit.endpoints();
        await storage.audit.append([event('secret.read', 'a/1', T0 + 1), event('secret.read', 'a/2', T0 + 2)], false);
        await storage.audit.append([event('secret.list', null, T0 + 3), event('auth.denied', 'a/1', T0 + 4)], true);
        const after = await storage.audit.endpoints();
        assert.equal(after.head.seq, head.seq + 4);
        assert.deepEqual(
          (await storage.audit.query({ key: 'a/1', limit: 10 })).map((e) => e.action),
          ['secret.read', 'auth.denied'],
        );
        assert.equal((await storage.audit.query({ since: T0 + 3, limit: 10 })).length, 2);
        assert.equal((await storage.audit.range(head.seq + 1, 2)).length, 2);
        assert.equal((await verifyAuditChain(storage.audit, opened.chain)).ok, true);
        assert.equal(await storage.audit.purgeOlderThan(T0 + 3, 100), 2);
        assert.equal((await storage.audit.endpoints()).anchor.seq, head.seq + 2);
        const verdict = await verifyAuditChain(storage.audit, opened.chain);
        assert.equal(verdict.ok && verdict.events, 2);
      });

      it('lists issued tokens of a subject range, by subject then jti, after a position, unexpired only', async () => {
        const issued = (jti: string, subject: string, expiresAt: number) => ({
          jti,
          subject,
          kind: 'exchanged' as const,
          scopes: [`secret:get:${subject}/**`],
          ancestors: [],
          createdAt: T0,
          expiresAt,
        });
        for (const token of [
          issued('b', 'ci/one', T0 + 1000),
          issued('a', 'ci/one', T0 + 1000),
          issued('c', 'ci/two', T0 + 1000),
          issued('d', 'ci/gone', T0),
          issued('e', 'prod/one', T0 + 1000),
        ]) {
          await storage.tokens.recordIssued(token, []);
        }
        const ci = { from: 'ci/', to: 'ci/~' };
        const ids = (tokens: Array<{ subject: string; jti: string }>) => tokens.map((t) => `${t.subject}#${t.jti}`);
        assert.deepEqual(ids(await storage.tokens.listIssued(ci, undefined, T0, 10)), ['ci/one#a', 'ci/one#b', 'ci/two#c']);
        assert.deepEqual(ids(await storage.tokens.listIssued(ci, { subject: 'ci/one', jti: 'a' }, T0, 10)), ['ci/one#b', 'ci/two#c']);
        assert.deepEqual(ids(await storage.tokens.listIssued(ci, undefined, T0, 1)), ['ci/one#a']);
        assert.deepEqual((await storage.tokens.listIssued(ci, undefined, T0, 1))[0], issued('a', 'ci/one', T0 + 1000));
      });

      it('records minted tokens, keeps revocations in force until exp and the leeway, then purges them', async () => {
        const token = {
          jti: 'j-1',
          subject: 'alice',
          kind: 'derived' as const,
          scopes: ['secret:get:ci/**'],
          ancestors: ['j-0'],
          createdAt: T0,
          expiresAt: T0 + 1000,
        };
        await storage.tokens.recordIssued(token, [event('token.create', 'j-1')]);
        assert.deepEqual(await storage.tokens.findIssued('j-1'), token);
        await storage.tokens.revoke({ jti: 'j-1', revokedAt: T0 + 10, expiresAt: T0 + 1000 }, [event('token.revoke', 'j-1', T0, 204)]);
        await storage.tokens.revoke({ jti: 'j-1', revokedAt: T0 + 20, expiresAt: T0 + 1000 }, []);
        await storage.tokens.revoke({ jti: 'j-forever', revokedAt: T0 + 30, expiresAt: null }, []);
        assert.deepEqual(await storage.tokens.revocationsInForce(T0, undefined, 10), [
          { jti: 'j-1', expiresAt: T0 + 1000 },
          { jti: 'j-forever', expiresAt: null },
        ]);
        assert.deepEqual(await storage.tokens.revocationsInForce(T0, 'j-1', 10), [{ jti: 'j-forever', expiresAt: null }]);
        assert.deepEqual(
          (await storage.tokens.revokedSince(T0 + 25)).map((r) => r.jti),
          ['j-forever'],
        );
        assert.equal(await storage.tokens.purgeExpired(T0 + 1000 + REVOCATION_GRACE_MS - 1, 10), 0, 'within the leeway');
        assert.equal(await storage.tokens.purgeExpired(T0 + 1000 + REVOCATION_GRACE_MS, 10), 2, 'the revocation and the record');
        assert.deepEqual(
          (await storage.tokens.revocationsInForce(T0 + 2 * HOUR, undefined, 10)).map((r) => r.jti),
          ['j-forever'],
        );
        assert.equal(await storage.tokens.findIssued('j-1'), undefined);
        assert.deepEqual(await eventsAbout('j-1'), [
          ['token.create', 200],
          ['token.revoke', 204],
        ]);
      });

      it('creates wraps within the quota, hands each out once, and purges expired ones with their events', async () => {
        const wrap = (id: string, bytes: number, expiresAt = T0 + HOUR): WrapRecord => ({
          id,
          tokenHash: `hash-${id}`,
          key: `w/${id}`,
          creator: 'alice',
          createdAt: T0,
          expiresAt,
          encrypted: { keyId: 'k1', wrappedKey: Buffer.from('w'), ciphertext: Buffer.alloc(bytes) },
        });
        const quota = { wraps: 2, bytes: 100 };
        assert.equal(await storage.wraps.createWrap(wrap('one', 40), [event('wrap.create', 'w/one', T0, 201)], quota), undefined);
        assert.deepEqual(await storage.wraps.createWrap(wrap('big', 70), [], quota), {
          exceeded: 'bytes',
          usage: { wraps: 1, bytes: 40, soonestExpiry: T0 + HOUR },
        });
        assert.equal(await storage.wraps.createWrap(wrap('two', 10, T0 + 50), [], quota), undefined);
        assert.equal((await storage.wraps.createWrap(wrap('three', 1), [], quota))?.exceeded, 'wraps');
        assert.equal((await storage.wraps.find('hash-one', T0))?.id, 'one');
        const actor = { subject: null, jti: null, requestId: 'r', client: null };
        const takers = await Promise.all([storage.wraps.takeWrap('hash-one', T0, actor), storage.wraps.takeWrap('hash-one', T0, actor)]);
        const taken = takers.filter((w) => w !== undefined);
        assert.equal(taken.length, 1, 'taken once');
        assert.deepEqual(taken[0]?.encrypted.ciphertext, Buffer.alloc(40));
        assert.equal(await storage.wraps.find('hash-one', T0), undefined);
        assert.equal(await storage.wraps.takeWrap('hash-two', T0 + 50, actor), undefined, 'expired at its expiry');
        assert.equal(await storage.wraps.purgeExpiredWraps(T0 + 50, 10), 1);
        assert.deepEqual(await eventsAbout('w/one'), [
          ['wrap.create', 201],
          ['wrap.unwrap', 200],
        ]);
        assert.deepEqual(await eventsAbout('w/two'), [['wrap.expired', 200]]);
      });

      it('creates, replaces and deletes trust rules, each write moving the version and committing its event', async () => {
        const rule = { name: 'ci/main', issuer: 'ci', claims: { repository: 'acme/app' }, scopes: ['secret:get:ci/**'], ttl: 600 };
        const before = await storage.trust.version();
        assert.equal(await storage.trust.putRule(rule, T0, event('trust.set', 'ci/main')), true);
        const afterCreate = await storage.trust.version();
        assert.notEqual(afterCreate, before);
        assert.equal(await storage.trust.putRule({ ...rule, ttl: 300 }, T0, event('trust.set', 'ci/main')), false);
        assert.notEqual(await storage.trust.version(), afterCreate);
        assert.equal((await storage.trust.find('ci/main'))?.ttl, 300);
        await storage.trust.putRule({ ...rule, name: 'a/first' }, T0, event('trust.set', 'a/first'));
        assert.deepEqual(
          (await storage.trust.all()).map((r) => r.name),
          ['a/first', 'ci/main'],
        );
        assert.equal(await storage.trust.deleteRule('ci/main', event('trust.delete', 'ci/main', T0, 204)), true);
        assert.equal(await storage.trust.deleteRule('ci/main', event('trust.delete', 'ci/main', T0, 204)), false);
        assert.equal(await storage.trust.find('ci/main'), undefined);
        assert.deepEqual(await eventsAbout('ci/main'), [
          ['trust.set', 201],
          ['trust.set', 200],
          ['trust.delete', 204],
        ]);
      });

      it('re-wraps data keys batch by batch, each only if still wrapped by the key it was read with', async () => {
        const rotation = opened.keyRotation;
        let previous = put('r/a', 1, null);
        await storage.secrets.put(previous);
        await storage.secrets.put((previous = put('r/a', 2, planned(previous))));
        await storage.secrets.put(put('r/b', 1, null));
        assert.deepEqual(Object.fromEntries(await rotation.countByKeyId()), { k1: 3 });
        const firstPage = await rotation.notWrappedBy('k2', undefined, 2);
        assert.deepEqual(
          firstPage.map((v) => [v.key, v.version]),
          [
            ['r/a', 1],
            ['r/a', 2],
          ],
        );
        const rest = await rotation.notWrappedBy('k2', { key: 'r/a', version: 2 }, 2);
        assert.deepEqual(
          rest.map((v) => [v.key, v.version]),
          [['r/b', 1]],
        );
        await rotation.beginRotation('k2');
        assert.equal(await rotation.unfinishedRotation(), 'k2');
        await rotation.replaceWrapped([
          { key: 'r/a', version: 1, previousKeyId: 'k1', encrypted: sealedFor('k2', 'rewrapped') },
          { key: 'r/b', version: 1, previousKeyId: 'k0', encrypted: sealedFor('k2', 'r/b@1') },
        ]);
        assert.deepEqual(Object.fromEntries(await rotation.countByKeyId()), { k1: 2, k2: 1 }, 'r/b was not wrapped by k0: left alone');
        const rewrapped = await storage.secrets.getVersion('r/a', 1);
        assert.deepEqual(rewrapped && [rewrapped.encrypted.keyId, rewrapped.encrypted.wrappedKey.toString()], ['k2', 'wrapped-rewrapped']);
        assert.equal(rewrapped?.encrypted.ciphertext.toString(), 'ciphertext-r/a@1', 'the value itself is not re-encrypted');
        await rotation.finishRotation();
        assert.equal(await rotation.unfinishedRotation(), undefined);
      });

      it('claims each due lease for one claimer at a time, and finishes or fails it only under that claim', async () => {
        const dynamic = storage.dynamic;
        const lease = (id: string, backendKey: string, expiresAt: number, chain: string[] = ['root']) => ({
          id,
          backendKey,
          subject: 'task',
          jti: chain[chain.length - 1] ?? null,
          tokenChain: chain,
          createdAt: T0,
          expiresAt,
          maxExpiresAt: T0 + HOUR,
          revokeAt: expiresAt,
          revokeReason: null,
          attempts: 0,
          lastError: null,
          encrypted: sealedFor('k1', id),
        });
        await dynamic.putBackend(
          {
            key: 'team/db',
            settings: { kind: 'redis', connection: { host: 'h', port: 1, username: 'u' }, defaultTtlSeconds: 60, maxTtlSeconds: 60 },
            encrypted: sealedFor('k1', 'pw'),
            createdAt: T0,
            updatedAt: T0,
          },
          [event('dynamic.configure', 'team/db')],
        );
        for (let n = 0; n < 6; n++) await dynamic.createLease(lease(`lease_${n}`, 'team/db', T0 + 1_000), []);
        await dynamic.createLease(lease('lease_later', 'team/db', T0 + 100_000, ['root', 'parent', 'child']), []);
        await dynamic.createLease(lease('lease_other', 'team/dbx', T0 + 100_000), []);

        const [a, b] = await Promise.all([dynamic.claimDue(T0 + 2_000, 60_000, 4), dynamic.claimDue(T0 + 2_000, 60_000, 4)]);
        const claimed = [...a, ...b].map((l) => l.id).sort();
        assert.deepEqual(claimed, ['lease_0', 'lease_1', 'lease_2', 'lease_3', 'lease_4', 'lease_5'], 'each due lease claimed once');
        assert.deepEqual(await dynamic.claimDue(T0 + 2_000, 60_000, 10), [], 'nothing due while claimed');
        assert.equal(await dynamic.deleteBackend('team/db', []), 'leased');

        const [first, second] = [...a, ...b];
        assert.ok(first && second);
        assert.equal(await dynamic.finishRevocation({ ...first, claim: 'another' }, []), false, 'not under another claim');
        assert.equal(await dynamic.finishRevocation(first, [event('lease.revoked', 'team/db')]), true);
        assert.equal(await dynamic.findLease(first.id), undefined);
        await dynamic.failRevocation(second, T0 + 10_000, 'the server cannot be reached', []);
        const failed = await dynamic.findLease(second.id);
        assert.deepEqual([failed?.revokeAt, failed?.attempts, failed?.lastError], [T0 + 10_000, 1, 'the server cannot be reached']);
        assert.deepEqual(await dynamic.claimDue(T0 + 9_000, 60_000, 10), [], 'not before its retry');
        // Claims that outlive their hold are taken over.
        assert.equal((await dynamic.claimDue(T0 + 63_000, 60_000, 10)).length, 5);

        const marked = await dynamic.markRevoked({ jti: 'parent' }, 'token', T0 + 2_000, (l) => [event('lease.revoke', l.backendKey)]);
        assert.deepEqual(
          marked.map((l) => l.id),
          ['lease_later'],
          'a lease drawn under a revoked ancestor',
        );
        assert.equal(
          await dynamic.renewLease('lease_later', T0 + 3_000_000, T0 + 2_000, []),
          false,
          'a lease being revoked is not renewed',
        );
        const underPrefix = await dynamic.markRevoked({ prefix: 'team/db' }, 'revoked', T0 + 2_000, () => []);
        assert.deepEqual(underPrefix, [], "whole segments: team/dbx is not under team/db, and team/db's are marked already");
        assert.deepEqual(
          (await dynamic.listLeases('team/dbx', undefined, 10)).map((l) => l.id),
          ['lease_other'],
        );
      });

      it('marks six hundred leases for revocation at once, each with its event', async () => {
        const dynamic = storage.dynamic;
        for (let n = 0; n < 600; n++) {
          await dynamic.createLease(
            {
              id: `lease_bulk_${String(n).padStart(3, '0')}`,
              backendKey: 'bulk/db',
              subject: 'task',
              jti: 'j',
              tokenChain: ['j'],
              createdAt: T0,
              expiresAt: T0 + HOUR,
              maxExpiresAt: T0 + HOUR,
              revokeAt: T0 + HOUR,
              revokeReason: null,
              attempts: 0,
              lastError: null,
              encrypted: sealedFor('k1', `bulk-${n}`),
            },
            [],
          );
        }
        const marked = await dynamic.markRevoked({ prefix: 'bulk' }, 'revoked', T0, (l) => [event('lease.revoke', l.backendKey)]);
        assert.equal(marked.length, 600);
        await moveStaged();
        assert.equal((await storage.audit.query({ key: 'bulk/db', limit: 1000 })).length, 600);
      });

      it('adds the first signing key once, supersedes and extends keys as rotations say, and re-wraps their private halves', async () => {
        const keys = storage.signingKeys;
        const key = (kid: string, signFrom: number, createdAt = T0) => ({
          kid,
          provider: 'keyring' as const,
          algorithm: 'ES256' as const,
          publicJwk: { kty: 'EC', crv: 'P-256', x: kid, y: kid },
          wrappedPrivateKey: serializeEncrypted(sealedFor('k1', kid)),
          createdAt,
          signFrom,
          retireAttempts: 0,
        });
        const [first, second] = await Promise.all([keys.addFirstSigningKey(key('a', T0)), keys.addFirstSigningKey(key('b', T0))]);
        assert.deepEqual([first, second].sort(), [false, true], 'of two first starts at once, one makes the first key');
        const firstKid = (await keys.allSigningKeys())[0]?.kid as string;
        await keys.extendSigningKey(firstKid, T0 + 50_000);
        await keys.addNextSigningKey(key('c', T0 + 300, T0 + 1), T0 + 10_000);
        // A second rotation before the first takes over: the pending key never signs.
        await keys.addNextSigningKey(key('d', T0 + 100, T0 + 2), T0 + 20_000);
        const life = async () =>
          (await keys.allSigningKeys()).map((k) => [k.kid, k.supersededAt ?? null, k.verifyUntil ?? null, k.retiredAt ?? null]);
        assert.deepEqual(await life(), [
          [firstKid, T0 + 100, T0 + 50_000, null],
          ['c', T0 + 100, T0 + 20_000, null],
          ['d', null, null, null],
        ]);
        assert.deepEqual(
          (await opened.keyRotation.wrappedSigningKeys()).map((k) => [k.kid, k.encrypted.keyId]),
          [
            [firstKid, 'k1'],
            ['c', 'k1'],
            ['d', 'k1'],
          ],
        );
        await opened.keyRotation.replaceWrappedSigningKey('c', 'k0', sealedFor('k2', 'c'));
        await opened.keyRotation.replaceWrappedSigningKey('d', 'k1', sealedFor('k2', 'd'));
        assert.deepEqual(
          (await opened.keyRotation.wrappedSigningKeys()).map((k) => k.encrypted.keyId),
          ['k1', 'k1', 'k2'],
          'c was not wrapped by k0: left alone',
        );
        const issued = (jti: string, kid: string | undefined, expiresAt: number) =>
          storage.tokens.recordIssued(
            { jti, subject: 'ci', kind: 'derived', scopes: [], ancestors: ['p'], createdAt: T0, expiresAt, kid },
            [],
          );
        await issued('j1', 'd', T0 + 5_000);
        await issued('j2', 'd', T0 + 6_000);
        await issued('j3', 'c', T0 + 1_000);
        await issued('j4', undefined, T0 + 9_000);
        assert.deepEqual(
          Object.fromEntries(await keys.liveTokensByKid(T0 + 2_000)),
          { d: 2 },
          'unexpired tokens, by the key that signed them',
        );
        await keys.countRetireAttempt('c');
        await keys.retireSigningKey('c', T0 + 30_000);
        const retired = (await keys.allSigningKeys()).find((k) => k.kid === 'c');
        assert.deepEqual([retired?.retiredAt, retired?.retireAttempts, retired?.wrappedPrivateKey], [T0 + 30_000, 1, undefined]);
      });
    });
  }
});
