/**
 * The key set this service publishes: a token it signs names its key by
 * `kid`, and anyone verifies it with jose against the served JWKS alone;
 * a token whose key was never published is refused.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { hmacKey, jwkThumbprint } from '../../src/tokens/signing-keys';
import { TokenSigner } from '../../src/tokens/token-signer';
import { sqlite, tempDir } from '../support/databases';
import { TEST_JWT_SECRET, useTestService } from '../support/service';

const ISSUER = 'https://secrets.example.com';

describe('the published key set', () => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const retired = generateKeyPairSync('ed25519');
  const privatePem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const publicFile = path.join(tempDir(), 'public.pem');
  fs.writeFileSync(publicFile, [pair.publicKey, retired.publicKey].map((key) => key.export({ format: 'pem', type: 'spki' })).join(''));
  const svc = useTestService(sqlite, {
    SECRETS_JWT_PRIVATE_KEY: privatePem,
    SECRETS_JWT_PUBLIC_KEYS: publicFile,
    SECRETS_JWT_ISSUER: ISSUER,
  });

  async function derived(): Promise<string> {
    // The parent names the issuer too, as every token must once SECRETS_JWT_ISSUER is set.
    const parent = new TokenSigner(hmacKey(TEST_JWT_SECRET), svc.clock, { issuer: ISSUER }).sign({
      subject: 'admin',
      scopes: ['secret:get:ci/**'],
      ttlSeconds: 600,
    }).token;
    const res = await request(svc.app)
      .post('/v1/tokens')
      .set('Authorization', `Bearer ${parent}`)
      .send({ scopes: ['secret:get:ci/a'], ttl: 60 });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.token as string;
  }

  it('publishes every public key with its kid, and no private member, cacheable', async () => {
    const res = await request(svc.app).get('/.well-known/jwks.json');
    assert.equal(res.status, 200);
    assert.equal(res.headers['cache-control'], 'public, max-age=300');
    const keys = res.body.keys as Array<Record<string, string>>;
    assert.deepEqual(
      keys.map((key) => [key.kid, key.alg, key.use]),
      [
        [jwkThumbprint(pair.publicKey), 'ES256', 'sig'],
        [jwkThumbprint(retired.publicKey), 'EdDSA', 'sig'],
      ],
    );
    for (const key of keys) assert.equal(key.d, undefined, 'no private member');
  });

  it('signs with a kid that the key set holds, and jose verifies the token with the key set alone', async () => {
    const token = await derived();
    assert.equal((jwt.decode(token, { complete: true }) as jwt.Jwt).header.kid, jwkThumbprint(pair.publicKey));
    const jwks = (await request(svc.app).get('/.well-known/jwks.json')).body as Parameters<typeof createLocalJWKSet>[0];
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: ISSUER });
    assert.deepEqual(payload.scopes, ['secret:get:ci/a']);
  });

  it('refuses a token signed by a key it never published, whatever kid it names', async () => {
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    for (const kid of [jwkThumbprint(stranger.publicKey), jwkThumbprint(pair.publicKey), undefined]) {
      const forged = await new SignJWT({ scopes: ['secret:get:**'] })
        .setProtectedHeader({ alg: 'ES256', ...(kid === undefined ? {} : { kid }) })
        .setSubject('intruder')
        .setIssuer(ISSUER)
        .setExpirationTime('5m')
        .sign(stranger.privateKey);
      const res = await request(svc.app).get('/v1/whoami').set('Authorization', `Bearer ${forged}`);
      assert.equal(res.status, 401, String(kid));
    }
  });

  it('points to the key set from the discovery document', async () => {
    const res = await request(svc.app).get('/.well-known/openid-configuration');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ['ES256', 'EdDSA'],
    });
  });
});

describe('the key set of a service with only the HS256 secret', () => {
  const svc = useTestService(sqlite);

  it('is empty, and there is no discovery document without an issuer', async () => {
    const jwks = await request(svc.app).get('/.well-known/jwks.json');
    assert.deepEqual(jwks.body, { keys: [] });
    const discovery = await request(svc.app).get('/.well-known/openid-configuration');
    assert.equal(discovery.status, 404);
    assert.match(discovery.body.detail, /set SECRETS_JWT_ISSUER/);
  });
});
