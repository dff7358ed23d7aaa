/** Derived tokens signed with SECRETS_JWT_PRIVATE_KEY, whose public half must be a verification key. */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { sqlite, tempDir } from '../support/databases';
import { startTestService, useTestService } from '../support/service';

describe('asymmetric signing of derived tokens', () => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privatePem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const publicFile = path.join(tempDir(), 'public.pem');
  fs.writeFileSync(publicFile, pair.publicKey.export({ format: 'pem', type: 'spki' }));
  const svc = useTestService(sqlite, { SECRETS_JWT_PRIVATE_KEY: privatePem, SECRETS_JWT_PUBLIC_KEYS: publicFile });

  it('signs derived tokens with the private key, and they verify', async () => {
    const res = await request(svc.app)
      .post('/v1/tokens')
      .set('Authorization', `Bearer ${svc.token(['secret:get:ci/**'])}`)
      .send({ scopes: ['secret:get:ci/a'], ttl: 60 });
    assert.equal(res.status, 201);
    assert.equal((jwt.decode(res.body.token, { complete: true }) as jwt.Jwt).header.alg, 'ES256');
    const me = await request(svc.app).get('/v1/whoami').set('Authorization', `Bearer ${res.body.token}`);
    assert.equal(me.status, 200);
  });

  it("refuses to start when the private key's public half is not a verification key", async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const mismatched = await sqlite.create();
    try {
      await assert.rejects(
        startTestService(mismatched, { SECRETS_JWT_PRIVATE_KEY: other, SECRETS_JWT_PUBLIC_KEYS: publicFile }),
        /^ConfigError: SECRETS_JWT_PRIVATE_KEY: its public half/,
      );
    } finally {
      await mismatched.drop();
    }
  });
});
