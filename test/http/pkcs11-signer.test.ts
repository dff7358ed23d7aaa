/**
 * Tokens signed in an HSM through PKCS#11 (SECRETS_SIGNER=pkcs11), against
 * SoftHSM2: the private key is made inside the token, non-extractable; a
 * derived token names it and verifies with jose against the served key set
 * alone; a key that could be read out of the HSM is refused at start.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import jwt from 'jsonwebtoken';
import * as pkcs11js from 'pkcs11js';
import request from 'supertest';
import { closePkcs11Session, openPkcs11Session } from '../../src/seal/pkcs11-session';
import { createPkcs11SigningKey } from '../../src/tokens/pkcs11-token-signer';
import { sqlite } from '../support/databases';
import { startFailure, useTestService } from '../support/service';
import { createSoftHsmToken } from '../support/softhsm';

const KEY_LABEL = 'token-signer';

describe('tokens signed in an HSM, against SoftHSM2', () => {
  const hsm = createSoftHsmToken();
  const token = {
    module: hsm.env.SECRETS_PKCS11_MODULE ?? '',
    tokenLabel: hsm.env.SECRETS_PKCS11_TOKEN_LABEL ?? '',
    pin: { value: hsm.pin },
  };
  const signerEnv = {
    SECRETS_SIGNER: 'pkcs11',
    SECRETS_SIGNER_PKCS11_KEY_LABEL: KEY_LABEL,
    SECRETS_PKCS11_MODULE: token.module,
    SECRETS_PKCS11_TOKEN_LABEL: token.tokenLabel,
    SECRETS_PKCS11_PIN: hsm.pin,
  };

  before(() => {
    process.env.SOFTHSM2_CONF = hsm.env.SOFTHSM2_CONF;
    createPkcs11SigningKey({ ...token, keyLabel: KEY_LABEL });
  });
  const svc = useTestService(sqlite, signerEnv);
  after(() => hsm.remove());

  it('signs a derived token inside the HSM, which jose verifies against the served key set alone', async () => {
    const res = await request(svc.app)
      .post('/v1/tokens')
      .set('Authorization', `Bearer ${svc.token(['secret:*:ci/**'])}`)
      .send({ scopes: ['secret:get:ci/a'], ttl: 60 });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const header = (jwt.decode(res.body.token as string, { complete: true }) as jwt.Jwt).header;
    assert.equal(header.alg, 'ES256');
    const jwks = (await request(svc.app).get('/.well-known/jwks.json')).body as { keys: Array<{ kid: string }> };
    assert.deepEqual(
      jwks.keys.map((key) => key.kid),
      [header.kid],
    );
    const { payload } = await jwtVerify(res.body.token as string, createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]));
    assert.equal(payload.sub, 'tester');
    assert.equal((await request(svc.app).get('/v1/whoami').set('Authorization', `Bearer ${res.body.token}`)).status, 200);
  });

  it('keeps signing across many concurrent requests, one signature at a time on its session', async () => {
    const parent = svc.token(['secret:*:ci/**']);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        request(svc.app)
          .post('/v1/tokens')
          .set('Authorization', `Bearer ${parent}`)
          .send({ scopes: ['secret:get:ci/b'], ttl: 60 }),
      ),
    );
    assert.deepEqual(
      answers.map((answer) => answer.status),
      Array(20).fill(201),
    );
  });

  it('refuses to start with a private key that can be read out of the HSM, or with none', async () => {
    const session = openPkcs11Session(token, { readWrite: true }, (reason) => new Error(reason));
    try {
      session.module.C_GenerateKeyPair(
        session.handle,
        { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
        [
          { type: pkcs11js.CKA_LABEL, value: 'extractable' },
          { type: pkcs11js.CKA_TOKEN, value: true },
          { type: pkcs11js.CKA_EC_PARAMS, value: Buffer.from('06082a8648ce3d030107', 'hex') },
        ],
        [
          { type: pkcs11js.CKA_LABEL, value: 'extractable' },
          { type: pkcs11js.CKA_TOKEN, value: true },
          { type: pkcs11js.CKA_SENSITIVE, value: false },
          { type: pkcs11js.CKA_EXTRACTABLE, value: true },
          { type: pkcs11js.CKA_SIGN, value: true },
        ],
      );
    } finally {
      closePkcs11Session(session);
    }
    for (const [label, reason] of [
      ['extractable', /can be read out of the HSM/],
      ['nothing-here', /no EC private key labelled nothing-here/],
    ] as const) {
      const db = await sqlite.create();
      try {
        assert.match((await startFailure(db, { ...signerEnv, SECRETS_SIGNER_PKCS11_KEY_LABEL: label })).message, reason);
      } finally {
        await db.drop();
      }
    }
  });
});
