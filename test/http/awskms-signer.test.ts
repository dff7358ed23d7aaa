/**
 * Tokens signed in AWS KMS (SECRETS_SIGNER=awskms), through the real AWS
 * SDK against the local KMS stand-in, whose signatures are real ECDSA in
 * KMS's DER form: a derived token names the KMS key, verifies with jose
 * against the served key set alone, and while KMS is out of reach minting
 * answers 503 and reads go on. The stand-in is not AWS: it does not check
 * signatures on requests or IAM policies.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { jwkThumbprint } from '../../src/tokens/signing-keys';
import { sqlite } from '../support/databases';
import { KmsStandIn } from '../support/kms-stand-in';
import { kmsEnvironment } from '../support/seal-environments';
import { startFailure, useTestService } from '../support/service';

const ALIAS = 'alias/scoped-secrets-signer';

describe('tokens signed in AWS KMS, against the local KMS stand-in', () => {
  const kms = new KmsStandIn();
  let keyId = '';

  before(async () => {
    Object.assign(process.env, kmsEnvironment(await kms.start()));
    keyId = kms.createSigningKey().id;
    kms.setAlias(ALIAS, keyId);
  });
  const svc = useTestService(sqlite, { SECRETS_SIGNER: 'awskms', SECRETS_SIGNER_AWSKMS_KEY_ID: ALIAS });
  after(() => kms.close());

  const derive = () =>
    request(svc.app)
      .post('/v1/tokens')
      .set('Authorization', `Bearer ${svc.token(['secret:*:ci/**'])}`)
      .send({ scopes: ['secret:get:ci/a'], ttl: 60 });

  it('signs each derived token with one KMS Sign call, and jose verifies it against the served key set alone', async () => {
    const signs = kms.callsOf('Sign').length;
    const res = await derive();
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(kms.callsOf('Sign').length, signs + 1);
    const header = (jwt.decode(res.body.token as string, { complete: true }) as jwt.Jwt).header;
    assert.equal(header.alg, 'ES256');
    assert.equal(header.kid, jwkThumbprint(kms.publicKeyOf(keyId)));
    const jwks = (await request(svc.app).get('/.well-known/jwks.json')).body as Parameters<typeof createLocalJWKSet>[0];
    assert.ok(JSON.stringify(jwks).includes(header.kid), 'the KMS key is published');
    const { payload } = await jwtVerify(res.body.token as string, createLocalJWKSet(jwks));
    assert.deepEqual(payload.scopes, ['secret:get:ci/a']);
    const me = await request(svc.app).get('/v1/whoami').set('Authorization', `Bearer ${res.body.token}`);
    assert.equal(me.status, 200, 'the service verifies it with the public key it read once');
  });

  it('verifies without calling KMS, and answers 503 to minting while KMS is out of reach as reads go on', async () => {
    const token = (await derive()).body.token as string;
    const calls = kms.calls.length;
    for (let n = 0; n < 5; n++)
      assert.equal((await request(svc.app).get('/v1/whoami').set('Authorization', `Bearer ${token}`)).status, 200);
    assert.equal(kms.calls.length, calls, 'verification never calls KMS');

    await kms.down();
    try {
      const refused = await derive();
      assert.equal(refused.status, 503);
      assert.equal(refused.body.code, 'Unavailable');
      assert.ok(refused.headers['retry-after']);
      assert.equal((await request(svc.app).get('/v1/whoami').set('Authorization', `Bearer ${token}`)).status, 200, 'reads go on');
    } finally {
      await kms.up();
    }
    assert.equal((await derive()).status, 201, 'minting is back with KMS');
  });

  it('writes the private key to no file: the database, its WAL and the keyring hold none of its forms', async () => {
    for (let n = 0; n < 5; n++) assert.equal((await derive()).status, 201);
    await svc.auditWritten();
    const d = Buffer.from(kms.privateKeyOf(keyId).export({ format: 'jwk' }).d ?? '', 'base64url');
    assert.equal(d.length, 32);
    const forms = [d, Buffer.from(d.toString('hex')), Buffer.from(d.toString('base64')), Buffer.from(d.toString('base64url'))];
    const { db } = svc.config;
    assert.ok(db.client === 'sqlite');
    const folders = [path.dirname(svc.config.keyringFile), path.dirname(db.filename)];
    let files = 0;
    for (const folder of new Set(folders)) {
      for (const name of fs.readdirSync(folder)) {
        const file = path.join(folder, name);
        if (!fs.statSync(file).isFile()) continue;
        files++;
        const bytes = fs.readFileSync(file);
        for (const form of forms) assert.equal(bytes.indexOf(form), -1, `${name} holds the private key`);
      }
    }
    assert.ok(files >= 2, `${files} files read`);
  });

  it('refuses to start with a key that cannot sign ES256 tokens, naming the variable', async () => {
    const encryptionKey = kms.createKey().id;
    const db = await sqlite.create();
    try {
      const failure = await startFailure(db, { SECRETS_SIGNER: 'awskms', SECRETS_SIGNER_AWSKMS_KEY_ID: encryptionKey });
      assert.match(failure.message, /SECRETS_SIGNER_AWSKMS_KEY_ID: /);
    } finally {
      await db.drop();
    }
  });
});
