/**
 * The set of signing keys over the in-memory store and a real keyring: a
 * first key signs at once; a rotated key is published at once and signs
 * from its sign_from; the key it replaces verifies until its last token
 * has expired, then leaves the set, and its tokens are refused; a token
 * signed by a key never published is refused throughout.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import { ManualClock } from '../../src/common/clock';
import { loadConfig } from '../../src/config';
import { createKeyringIfMissing } from '../../src/keyring/keyring-changes';
import { LocalKeyring } from '../../src/keyring/local-keyring';
import { KeyringSigningKeys } from '../../src/tokens/keyring-signing-keys';
import { MemorySigningKeys } from '../../src/storage/memory/memory-signing-keys';
import { openSigningKeys } from '../../src/tokens/minting-keys';
import { rotateSigningKey } from '../../src/tokens/signing-key-rotation';
import { jwkThumbprint } from '../../src/tokens/signing-keys';
import { InvalidToken, TokenVerifier } from '../../src/tokens/token-verifier';
import { tempDir } from '../support/databases';

const MAX_TOKEN_TTL_SECONDS = 60;

async function setUp() {
  const file = path.join(tempDir(), 'keyring.json');
  createKeyringIfMissing(file, new Date());
  const keyring = await LocalKeyring.open(file, undefined);
  const clock = new ManualClock(Date.parse('2026-12-01T00:00:00Z'));
  const config = loadConfig({ SECRETS_JWKS_MAX_AGE: '300', SECRETS_MAX_TOKEN_TTL: String(MAX_TOKEN_TTL_SECONDS) });
  const store = new MemorySigningKeys();
  const verifier = new TokenVerifier({ keys: [], clock, leewaySeconds: 0 });
  const { keySet, backend, createdFirst } = await openSigningKeys({
    config,
    clock,
    store,
    keyring,
    makeFirstKey: true,
    onChange: (keys) => verifier.replaceKeys(keys),
  });
  verifier.replaceKeys(keySet.verificationKeys());
  const mint = async (ttlSeconds = 30) => (await keySet.sign({ subject: 'ci', scopes: ['secret:get:ci/**'], ttlSeconds })).token;
  const kidOf = (token: string) => (jwt.decode(token, { complete: true }) as jwt.Jwt).header.kid;
  const rotate = (now = false) => rotateSigningKey({ config, keySet, backend, store, clock, now });
  return { clock, store, keySet, createdFirst, verifier, mint, kidOf, rotate, keyring };
}

describe('the set of signing keys', () => {
  it('makes an ES256 first key that signs at once, its private half encrypted under the keyring', async () => {
    const { createdFirst, keySet, mint, kidOf, verifier, store } = await setUp();
    assert.equal(createdFirst, true);
    const [first] = await store.allSigningKeys();
    assert.equal(first?.provider, 'keyring');
    assert.ok(first?.wrappedPrivateKey !== undefined && !first.wrappedPrivateKey.includes('BEGIN'), 'the private key is stored encrypted');
    const token = await mint();
    assert.equal((jwt.decode(token, { complete: true }) as jwt.Jwt).header.alg, 'ES256');
    assert.equal(kidOf(token), first?.kid);
    assert.equal(verifier.verify(token).subject, 'ci');
    assert.deepEqual(
      keySet.verificationKeys().map((key) => key.kid),
      [first?.kid],
    );
  });

  it('publishes a rotated key at once, signs with it from its sign_from, and keeps the old one verifying', async () => {
    const { clock, keySet, mint, kidOf, verifier, rotate } = await setUp();
    const before = await mint(600);
    const rotation = await rotate();
    await keySet.refresh();
    assert.deepEqual(
      keySet.verificationKeys().map((key) => key.kid),
      [kidOf(before), rotation.kid],
      'both keys are published',
    );
    assert.equal(rotation.signFrom - clock.now(), 300_000, 'it signs once the JWKS cache lifetime has passed');
    assert.equal(kidOf(await mint()), kidOf(before), 'the old key signs until then');
    clock.advance(300_000);
    const after = await mint();
    assert.equal(kidOf(after), rotation.kid);
    assert.equal(verifier.verify(before).subject, 'ci');
    assert.equal(verifier.verify(after).subject, 'ci');
  });

  it('drops the old key from the set once its last token has expired, and retires it', async () => {
    const { clock, keySet, store, kidOf, rotate, mint } = await setUp();
    const oldKid = kidOf(await mint());
    const { kid, signFrom } = await rotate(true);
    assert.equal(signFrom, clock.now(), '--now signs with it at once');
    await keySet.refresh();
    assert.equal(kidOf(await mint()), kid);
    const oldRecord = (await store.allSigningKeys()).find((record) => record.kid === oldKid);
    const verifyUntil = oldRecord?.verifyUntil as number;
    assert.ok(verifyUntil >= signFrom + MAX_TOKEN_TTL_SECONDS * 1000, 'it verifies at least as long as a token it signed may live');

    clock.set(verifyUntil);
    assert.equal(await keySet.retireExpired(clock.now()), 0, 'not before its last token has expired');
    clock.set(verifyUntil + 1);
    assert.equal(await keySet.retireExpired(clock.now()), 1);
    const retired = (await store.allSigningKeys()).find((record) => record.kid === oldKid);
    assert.ok(retired?.retiredAt !== undefined);
    assert.equal(retired?.wrappedPrivateKey, undefined, 'the private half is gone');
    assert.deepEqual(
      keySet.verificationKeys().map((key) => key.kid),
      [kid],
    );
  });

  it('refuses a token signed by a retired key even with a fresh expiry, and one by a key never published', async () => {
    const { clock, keySet, store, verifier, rotate, mint, kidOf, keyring } = await setUp();
    const [first] = await store.allSigningKeys();
    const oldSigner = await new KeyringSigningKeys(keyring, clock, {}).minter(first as NonNullable<typeof first>);
    await rotate(true);
    await keySet.refresh();
    const until = (await store.allSigningKeys()).find((record) => record.kid === first?.kid)?.verifyUntil as number;
    clock.set(until + 1);
    const forged = oldSigner.sign({ subject: 'ci', scopes: ['secret:*:**'], ttlSeconds: 60 }).token;
    assert.equal(kidOf(forged), first?.kid);
    // Refused from the first reload past its last token's expiry, whether or not the sweeper has retired it yet.
    await keySet.refresh();
    assert.throws(() => verifier.verify(forged), InvalidToken);
    await keySet.retireExpired(clock.now());
    assert.throws(() => verifier.verify(forged), InvalidToken);

    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const unpublished = jwt.sign({ sub: 'ci', scopes: ['secret:*:**'], jti: 'x', exp: Math.floor(clock.now() / 1000) + 60 }, stranger, {
      algorithm: 'ES256',
      keyid: jwkThumbprint(stranger),
    });
    assert.throws(() => verifier.verify(unpublished), InvalidToken);
    assert.equal(verifier.verify(await mint()).subject, 'ci', 'the current key goes on verifying');
  });
});
