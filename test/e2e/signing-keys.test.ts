/**
 * Token signing keys with real `serve` processes: a first start signs with
 * an ES256 key kept with the keyring (no file holds its private half);
 * `keys signer rotate` under load across two replicas on PostgreSQL
 * refuses no token, and both replicas publish the new key and switch to
 * it; a retired key's tokens are refused; an install that signed with the
 * HS256 secret moves off it without a flag day.
 */
import assert from 'node:assert/strict';
import { createHmac, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import jwt from 'jsonwebtoken';
import knexFactory from 'knex';
import { LocalKeyring } from '../../src/keyring/local-keyring';
import { Envelope } from '../../src/crypto/envelope';
import { KeyringSigningKeys, parseEncrypted } from '../../src/tokens/keyring-signing-keys';
import { jwkThumbprint } from '../../src/tokens/signing-keys';
import type { SigningKeyRecord } from '../../src/tokens/signing-key-storage';
import { dialects, tempDir, type TestDatabase } from '../support/databases';
import { runCli, runCliAsync, startServer, waitFor, type RunningServer } from '../support/processes';

const kidOf = (token: string) => (jwt.decode(token, { complete: true }) as jwt.Jwt).header.kid;
const algOf = (token: string) => (jwt.decode(token, { complete: true }) as jwt.Jwt).header.alg;

async function derive(server: RunningServer, parent: string, ttl = 60): Promise<{ status: number; token?: string }> {
  const res = await fetch(`${server.url}/v1/tokens`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${parent}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ scopes: ['secret:get:ci/**'], ttl }),
  });
  const body = (await res.json()) as { token?: string };
  return { status: res.status, token: body.token };
}

async function whoami(server: RunningServer, token: string): Promise<number> {
  const res = await fetch(`${server.url}/v1/whoami`, { headers: { Authorization: `Bearer ${token}` } });
  await res.body?.cancel();
  return res.status;
}

async function publishedKids(server: RunningServer): Promise<string[]> {
  const res = await fetch(`${server.url}/.well-known/jwks.json`);
  return ((await res.json()) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid);
}

/** Every file under `dir`, read whole. */
function filesUnder(dir: string): Array<{ name: string; bytes: Buffer }> {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).flatMap((entry) => {
    if (!entry.isFile()) return [];
    const file = path.join(entry.parentPath, entry.name);
    return [{ name: file, bytes: fs.readFileSync(file) }];
  });
}

describe('signing keys on a first start (SQLite)', () => {
  let cwd: string;
  let server: RunningServer;
  let root: string;
  const env = {
    SECRETS_JWKS_MAX_AGE: '0',
    SECRETS_MAX_TOKEN_TTL: '1',
    SECRETS_SWEEP_INTERVAL: '0.2',
    SECRETS_RATE_LIMIT: 'off',
    SECRETS_TOKEN_RATE_LIMIT: 'off',
  };

  before(async () => {
    cwd = tempDir('scoped-secrets-e2e-signing-');
    server = await startServer({ cwd, env });
    root = fs.readFileSync(path.join(cwd, 'data', 'root.token'), 'utf8').trim();
  });
  after(async () => {
    await server.stop('SIGKILL');
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  /** The keys as the database keeps them, and a signer made from one's private half (as only the service can). */
  async function storedKeys(): Promise<SigningKeyRecord[]> {
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(cwd, 'data', 'secrets.db') },
      useNullAsDefault: true,
    });
    try {
      const rows = await knex('signing_keys').select('*').orderBy('created_at');
      return rows.map((row: Record<string, string | null>) => ({
        kid: row.kid as string,
        provider: 'keyring',
        algorithm: 'ES256',
        publicJwk: JSON.parse(row.public_jwk as string),
        wrappedPrivateKey: row.private_key ?? undefined,
        createdAt: Number(row.created_at),
        signFrom: Number(row.sign_from),
        retiredAt: row.retired_at === null ? undefined : Number(row.retired_at),
        retireAttempts: 0,
      }));
    } finally {
      await knex.destroy();
    }
  }

  async function signerOf(record: SigningKeyRecord) {
    const keyring = await LocalKeyring.open(path.join(cwd, 'data', 'keyring.json'), undefined);
    return new KeyringSigningKeys(keyring, { now: () => Date.now() }, {}).minter(record);
  }

  it('signs the root token with an ES256 key jose verifies against the served JWKS, and writes no jwt-secret', async () => {
    assert.ok(!fs.existsSync(path.join(cwd, 'data', 'jwt-secret')));
    assert.match(server.output(), /created the ES256 signing key \S+ \(kept with the keyring\)/);
    assert.doesNotMatch(server.output(), /warning/);
    assert.equal(algOf(root), 'ES256');
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`), { timeoutDuration: 30_000 });
    const { payload } = await jwtVerify(root, jwks);
    assert.equal(payload.sub, 'root');
    const derived = await derive(server, root);
    assert.equal(derived.status, 201);
    // Derived tokens live 1 s here (SECRETS_MAX_TOKEN_TTL): the signature is what is checked.
    assert.equal((await jwtVerify(derived.token as string, jwks, { clockTolerance: 3600 })).payload.sub, 'root');
  });

  it('keeps the private key in no file of the data folder: not as PEM, DER, JWK or raw scalar', async () => {
    const [record] = (await storedKeys()) as [SigningKeyRecord];
    const keyring = await LocalKeyring.open(path.join(cwd, 'data', 'keyring.json'), undefined);
    const der = await new Envelope(keyring).decrypt(parseEncrypted(record.wrappedPrivateKey as string), { signingKid: record.kid });
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    assert.equal(jwkThumbprint(key), record.kid);
    const d = Buffer.from(key.export({ format: 'jwk' }).d as string, 'base64url');
    const forms = [
      d,
      Buffer.from(d.toString('base64')),
      Buffer.from(d.toString('base64url')),
      Buffer.from(d.toString('hex')),
      key.export({ format: 'der', type: 'pkcs8' }),
    ];
    for (const { name, bytes } of filesUnder(cwd)) {
      for (const form of forms) assert.ok(!bytes.includes(form), `${name} holds the signing key's private half`);
      assert.ok(!bytes.includes('PRIVATE KEY'), `${name} holds a PEM private key`);
    }
  });

  it('refuses a token from a key never published, and one from a retired key even with a fresh expiry', async () => {
    const [first] = await storedKeys();
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const unpublished = jwt.sign({ sub: 'x', scopes: ['secret:*:**'], jti: 'a'.repeat(32) }, stranger, {
      algorithm: 'ES256',
      expiresIn: 60,
      keyid: first?.kid,
    });
    assert.equal(await whoami(server, unpublished), 401, 'a known kid does not make a stranger key valid');

    // Two rotations: the middle key signs only derived tokens (at most 1 s long), so it is retired within seconds.
    assert.equal((await runCliAsync(['keys', 'signer', 'rotate', '--now'], { cwd, env })).status, 0);
    const middle = (await storedKeys())[1] as SigningKeyRecord;
    const middleSigner = await signerOf(middle);
    const fresh = () => middleSigner.sign({ subject: 'x', scopes: ['secret:*:**'], ttlSeconds: 60 }).token;
    await waitFor(async () => ((await whoami(server, fresh())) === 200 ? true : undefined), 30_000, 'the replica to load the new key');
    assert.equal((await runCliAsync(['keys', 'signer', 'rotate', '--now'], { cwd, env })).status, 0);
    await waitFor(
      async () => ((await storedKeys()).find((record) => record.kid === middle.kid)?.retiredAt !== undefined ? true : undefined),
      60_000,
      'the sweeper to retire the middle key',
    );
    await waitFor(
      async () => (!(await publishedKids(server)).includes(middle.kid) ? true : undefined),
      30_000,
      'the key to leave the JWKS',
    );
    assert.equal(await whoami(server, fresh()), 401, "a retired key's token is refused");
    assert.match(server.output(), /retired a signing key/);
    const status = runCli(['keys', 'signer', 'status', '--json'], { cwd, env });
    const states = (JSON.parse(status.stdout) as { keys: Array<{ kid: string; state: string }> }).keys;
    assert.deepEqual(
      states.map((key) => key.state),
      ['verifying', 'retired', 'active'],
      'the first key still verifies the 30-day root token',
    );
    assert.equal(await whoami(server, root), 200);
  });
});

describe('a first start with several workers', () => {
  it('makes one signing key and writes the root token before any worker listens', async () => {
    const cwd = tempDir('scoped-secrets-e2e-workers-');
    const server = await startServer({ cwd, args: ['--workers', '2'] });
    try {
      // Read at once, as a script waiting on the first "listening" line would.
      const root = fs.readFileSync(path.join(cwd, 'data', 'root.token'), 'utf8').trim();
      assert.equal(algOf(root), 'ES256');
      assert.equal(server.output().match(/created the ES256 signing key/g)?.length, 1);
      for (let n = 0; n < 4; n++) assert.equal(await whoami(server, root), 200, 'every worker verifies it');
      assert.deepEqual(await publishedKids(server), [kidOf(root)]);
    } finally {
      await server.stop('SIGTERM');
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('rotation across replicas on PostgreSQL', async () => {
  const postgres = (await dialects()).find((dialect) => dialect.name === 'postgres');
  if (!postgres) throw new Error('no postgres dialect');

  describe('two serve processes under load', { skip: postgres.skip }, () => {
    let db: TestDatabase;
    let cwd: string;
    const replicas: RunningServer[] = [];
    let env: Record<string, string>;
    let root: string;

    before(async () => {
      db = await postgres.create();
      cwd = tempDir('scoped-secrets-e2e-rotation-');
      env = { SECRETS_DB: db.url, SECRETS_JWKS_MAX_AGE: '0', SECRETS_RATE_LIMIT: 'off', SECRETS_TOKEN_RATE_LIMIT: 'off' };
      replicas.push(await startServer({ cwd, env }));
      replicas.push(await startServer({ cwd, env }));
      root = fs.readFileSync(path.join(cwd, 'data', 'root.token'), 'utf8').trim();
    });
    after(async () => {
      await Promise.all(replicas.map((replica) => replica.stop('SIGTERM')));
      await db.drop();
      fs.rmSync(cwd, { recursive: true, force: true });
    });

    it('refuses no token while a rotation is published and taken up, and each replica picks it up within 30 s', async () => {
      const [a, b] = replicas as [RunningServer, RunningServer];
      const oldKid = kidOf(root) as string;
      const failures: string[] = [];
      const kidsSeen = new Set<string>();
      let rotated: string | undefined;
      let stop = false;
      // Tokens minted on one replica and used on the other, continuously, by four workers.
      const load = Array.from({ length: 4 }, async (_, worker) => {
        for (let n = 0; !stop; n++) {
          const [minter, user] = (worker + n) % 2 === 0 ? [a, b] : [b, a];
          const derived = await derive(minter, root);
          if (derived.status !== 201 || !derived.token) {
            failures.push(`derive on ${minter.url}: ${derived.status}`);
            continue;
          }
          kidsSeen.add(kidOf(derived.token) as string);
          const status = await whoami(user, derived.token);
          if (status !== 200) failures.push(`a token of ${kidOf(derived.token)} on ${user.url}: ${status}`);
        }
      });
      try {
        const rotation = await runCliAsync(['keys', 'signer', 'rotate', '--json'], { cwd, env });
        assert.equal(rotation.status, 0, rotation.stderr);
        const { kid, signFrom } = JSON.parse(rotation.stdout) as { kid: string; signFrom: number };
        rotated = kid;
        const written = Date.now();
        for (const replica of replicas) {
          await waitFor(
            async () => ((await publishedKids(replica)).includes(kid) ? true : undefined),
            30_000,
            `${replica.url} to publish ${kid}`,
          );
        }
        assert.ok(Date.now() - written < 30_000);
        assert.ok(signFrom > written, 'the new key does not sign at once');
        await waitFor(async () => (kidsSeen.has(kid) ? true : undefined), 60_000, 'tokens signed by the new key');
        // Both replicas sign with it once its time has come.
        for (const replica of replicas) {
          await waitFor(
            async () => {
              const derived = await derive(replica, root);
              return derived.token !== undefined && kidOf(derived.token) === kid ? true : undefined;
            },
            30_000,
            `${replica.url} to sign with ${kid}`,
          );
        }
      } finally {
        stop = true;
        await Promise.all(load);
      }
      assert.deepEqual(failures, []);
      assert.ok(kidsSeen.has(oldKid) && kidsSeen.has(rotated), 'the load ran on both sides of the switch');
      assert.equal(await whoami(b, root), 200, 'the old key still verifies the root token it signed');
      const jwks = createRemoteJWKSet(new URL(`${b.url}/.well-known/jwks.json`), { timeoutDuration: 30_000 });
      assert.equal((await jwtVerify(root, jwks)).payload.sub, 'root');
    });
  });
});

describe('moving an install off the HS256 secret', () => {
  let cwd: string;
  let secret: string;
  const env = { SECRETS_JWKS_MAX_AGE: '0', SECRETS_RATE_LIMIT: 'off', SECRETS_TOKEN_RATE_LIMIT: 'off' };

  before(() => {
    cwd = tempDir('scoped-secrets-e2e-hs256-');
    // What an earlier version's first start left: ./data/jwt-secret, 0600.
    fs.mkdirSync(path.join(cwd, 'data'), { mode: 0o700 });
    secret = 'an-hs256-secret-an-earlier-first-start-wrote-0123456789';
    fs.writeFileSync(path.join(cwd, 'data', 'jwt-secret'), `${secret}\n`, { mode: 0o600 });
  });
  after(() => fs.rmSync(cwd, { recursive: true, force: true }));

  const hs256 = (scopes: string[]) => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: 'old-admin', scopes, iat: now, exp: now + 3600, jti: 'b'.repeat(32) })}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  };

  it('warns at start, rotates to an ES256 key that takes over signing while the secret verifies, then drops the secret', async () => {
    const old = hs256(['secret:*:**', 'token:*:**']);
    let server = await startServer({ cwd, env });
    try {
      assert.match(
        server.output(),
        /warning: tokens are signed with the HS256 secret in \S*data\/jwt-secret: whoever reads it can mint any token/,
      );
      assert.equal(await whoami(server, old), 200);
      assert.equal(algOf((await derive(server, old)).token as string), 'HS256', 'until it moves, the install signs as before');

      const rotated = runCli(['keys', 'signer', 'rotate'], { cwd, env });
      assert.equal(rotated.status, 0, rotated.stderr);
      assert.match(rotated.stdout, /created the signing key \S+ \(keyring\); published now, signs from /);
      const es256 = await waitFor(
        async () => {
          const token = (await derive(server, old)).token as string;
          return algOf(token) === 'ES256' ? token : undefined;
        },
        30_000,
        'derived tokens signed with the new ES256 key',
      );
      assert.equal(await whoami(server, old), 200, 'the HS256 secret goes on verifying the tokens it signed');
      const status = runCli(['keys', 'signer', 'status'], { cwd, env });
      assert.match(status.stdout, /data\/jwt-secret verifies the tokens it signed/);
      const keys = (
        JSON.parse(runCli(['keys', 'signer', 'status', '--json'], { cwd, env }).stdout) as {
          keys: Array<{ kid: string; state: string; liveTokens: number }>;
        }
      ).keys;
      assert.deepEqual(
        keys.map((key) => [key.kid, key.state]),
        [[kidOf(es256), 'active']],
      );
      assert.ok((keys[0]?.liveTokens ?? 0) >= 1, 'the tokens it signed are counted');
      const created = runCli(['token', 'create', '--subject', 'ops', '--scope', 'secret:get:**', '--ttl', '1h'], { cwd, env });
      assert.equal(algOf(created.stdout.trim()), 'ES256', 'token create signs with the new key too');

      // Once the tokens it signed have expired, the operator removes the secret.
      await server.stop('SIGTERM');
      fs.rmSync(path.join(cwd, 'data', 'jwt-secret'));
      server = await startServer({ cwd, env });
      assert.doesNotMatch(server.output(), /warning/);
      assert.equal(await whoami(server, old), 401, 'the secret verifies nothing any more');
      assert.equal(await whoami(server, es256), 200);
      assert.equal(await whoami(server, created.stdout.trim()), 200);
      assert.ok(!fs.existsSync(path.join(cwd, 'data', 'root.token')), 'a moved install is no first start');
    } finally {
      await server.stop('SIGTERM');
    }
  });
});
