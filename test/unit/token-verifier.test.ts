import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import jwt from 'jsonwebtoken';
import { ManualClock } from '../../src/common/clock';
import { signEdDsa } from '../../src/tokens/eddsa-jws';
import { hmacKey, parsePrivateKey, parsePublicKeys, type VerificationKey } from '../../src/tokens/signing-keys';
import { TokenSigner } from '../../src/tokens/token-signer';
import { InvalidToken, TokenVerifier } from '../../src/tokens/token-verifier';

// Lets a test collect garbage before it measures the heap.
setFlagsFromString('--expose-gc');

const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';
const clock = new ManualClock(Date.UTC(2030, 0, 1));
const now = () => Math.floor(clock.now() / 1000);

function verifier(keys: VerificationKey[], extra: Partial<ConstructorParameters<typeof TokenVerifier>[0]> = {}) {
  return new TokenVerifier({ keys, clock, leewaySeconds: 0, ...extra });
}

const claims = (overrides: Record<string, unknown> = {}) => ({ sub: 'alice', scopes: ['secret:get:ci/*'], exp: now() + 60, ...overrides });
const hs = (payload: object, secret = SECRET) => jwt.sign(payload, secret, { algorithm: 'HS256', noTimestamp: true });

describe('token verification', () => {
  const hsVerifier = verifier([hmacKey(SECRET)]);

  it('accepts a valid HS256 token and compiles its scopes', () => {
    const principal = hsVerifier.verify(hs(claims({ jti: 'j1', anc: ['j0'] })));
    assert.equal(principal.subject, 'alice');
    assert.equal(principal.jti, 'j1');
    assert.deepEqual(principal.ancestors, ['j0']);
    assert.equal(principal.grants.allows('secret', 'get', 'ci/a'), true);
    assert.equal(principal.grants.allows('secret', 'get', 'ci/a/b'), false);
  });

  const REJECTED: Array<[string, () => string]> = [
    ['a wrong signature', () => hs(claims(), 'another-secret-of-at-least-32-bytes!!!')],
    ['no sub', () => hs({ scopes: [], exp: now() + 60 })],
    ['a sub outside the key grammar', () => hs(claims({ sub: 'a b' }))],
    ['no scopes', () => hs({ sub: 'a', exp: now() + 60 })],
    ['scopes that are not an array', () => hs(claims({ scopes: 'secret:get:a' }))],
    ['an invalid scope pattern', () => hs(claims({ scopes: ['secret:get:ci/{a,b}'] }))],
    ['a partial globstar', () => hs(claims({ scopes: ['secret:get:ci**'] }))],
    ['no exp', () => hs({ sub: 'a', scopes: [] })],
    ['an expired token', () => hs(claims({ exp: now() - 1 }))],
    ['a token that expires now', () => hs(claims({ exp: now() }))],
    ['a token not valid yet', () => hs(claims({ nbf: now() + 30 }))],
    ['a malformed jti', () => hs(claims({ jti: 'has spaces' }))],
    ['a malformed anc', () => hs(claims({ anc: 'j0' }))],
    [
      'alg none',
      () =>
        `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`,
    ],
    ['HS512', () => jwt.sign(claims(), SECRET, { algorithm: 'HS512' })],
    ['an exp too far away to be a date', () => hs(claims({ exp: 1e308 }))],
    ['a negative exp', () => hs(claims({ exp: -5 }))],
    ['an nbf too far away to be a date', () => hs(claims({ nbf: -1e308 }))],
    ['more than 256 scopes', () => hs(claims({ scopes: Array.from({ length: 257 }, (_, n) => `secret:get:k${n}`) }))],
    [
      'scopes longer than 8192 characters together',
      () => hs(claims({ scopes: Array.from({ length: 9 }, (_, n) => `secret:get:${String(n).repeat(1000)}`) })),
    ],
    ['garbage', () => 'a.b.c'],
    ['not a JWT', () => 'hello'],
  ];
  for (const [why, make] of REJECTED) {
    it(`rejects ${why}`, () => assert.throws(() => hsVerifier.verify(make()), InvalidToken));
  }

  it('allows the configured clock leeway, and no more', () => {
    const lenient = verifier([hmacKey(SECRET)], { leewaySeconds: 30 });
    lenient.verify(hs(claims({ exp: now() - 20 })));
    lenient.verify(hs(claims({ nbf: now() + 20 })));
    assert.throws(() => lenient.verify(hs(claims({ exp: now() - 40 }))), InvalidToken);
  });

  it('checks iss and aud when configured', () => {
    const strict = verifier([hmacKey(SECRET)], { issuer: 'https://issuer', audience: 'secrets' });
    strict.verify(hs(claims({ iss: 'https://issuer', aud: ['other', 'secrets'] })));
    assert.throws(() => strict.verify(hs(claims({ iss: 'https://evil', aud: 'secrets' }))), InvalidToken);
    assert.throws(() => strict.verify(hs(claims({ iss: 'https://issuer' }))), InvalidToken);
  });

  it('serves a cached token until it expires, then rejects it', () => {
    const cached = verifier([hmacKey(SECRET)]);
    const token = hs(claims({ exp: now() + 10 }));
    assert.equal(cached.verify(token), cached.verify(token));
    clock.advance(11_000);
    assert.throws(() => cached.verify(token), InvalidToken);
  });

  describe('the verified-token cache', () => {
    /** A token near the per-token limits: 256 scopes of 8 segments, nearly 8 KiB in all. */
    const bigToken = (n: number) =>
      hs(
        claims({
          jti: `big-${n}`,
          scopes: Array.from({ length: 256 }, (_, j) => `secret:get:a/b/c/d/e/f/${n.toString(36)}/${String(j).padStart(3, '0')}`),
        }),
      );

    it('keeps recently used tokens and forgets the least recently used first', () => {
      const small = verifier([hmacKey(SECRET)], { cacheSize: 2 });
      const [a, b, c] = ['a', 'b', 'c'].map((jti) => hs(claims({ jti }))) as [string, string, string];
      const first = small.verify(a);
      small.verify(b);
      assert.equal(small.verify(a), first, 'a hit returns the cached principal');
      small.verify(c);
      assert.equal(small.verify(a), first, 'a, used last, survived');
      assert.equal(small.cacheUse.tokens, 2);
    });

    it('stays within its memory budget however many large tokens are used', () => {
      const budget = 4 * 1024 * 1024;
      const bounded = verifier([hmacKey(SECRET)], { cacheBytes: budget });
      const collect = runInNewContext('gc') as () => void;
      collect();
      const before = process.memoryUsage().heapUsed;
      for (let n = 0; n < 1500; n++) bounded.verify(bigToken(n));
      collect();
      const grown = process.memoryUsage().heapUsed - before;
      assert.ok(bounded.cacheUse.bytes <= budget, `the cache accounts ${bounded.cacheUse.bytes} bytes`);
      assert.ok(bounded.cacheUse.tokens < 1500);
      // Unbounded, 1,500 such tokens held over a gigabyte of compiled patterns.
      assert.ok(grown < 64 * 1024 * 1024, `the heap grew by ${(grown / 1048576).toFixed(0)} MiB`);
    });
  });

  it('gives every signed token a jti that a command line cannot take for an option', () => {
    const signer = new TokenSigner(hmacKey(SECRET), clock);
    for (let n = 0; n < 300; n++) {
      assert.match(signer.sign({ subject: 'a', scopes: [], ttlSeconds: 60 }).jti, /^[0-9a-f]{32}$/);
    }
  });

  describe('public keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ed = generateKeyPairSync('ed25519');
    const pem = (key: typeof rsa.publicKey) => key.export({ format: 'pem', type: 'spki' }) as string;
    const keys = parsePublicKeys([pem(rsa.publicKey), pem(ec.publicKey), pem(ed.publicKey)].join('\n'));
    const asymmetric = verifier(keys);

    it('reads RS256, ES256 and EdDSA keys from one PEM file', () => {
      assert.deepEqual(
        keys.map((key) => key.algorithm),
        ['RS256', 'ES256', 'EdDSA'],
      );
    });

    it('verifies RS256, ES256 and EdDSA tokens', () => {
      asymmetric.verify(jwt.sign(claims(), rsa.privateKey, { algorithm: 'RS256' }));
      asymmetric.verify(jwt.sign(claims(), ec.privateKey, { algorithm: 'ES256' }));
      asymmetric.verify(signEdDsa(claims(), ed.privateKey));
    });

    it('rejects algorithm confusion: an HS256 token signed with the public key as secret', () => {
      const forged = jwt.sign(claims(), pem(rsa.publicKey), {
        algorithm: 'HS256',
        allowInvalidAsymmetricKeyTypes: true,
      } as jwt.SignOptions);
      assert.throws(() => asymmetric.verify(forged), InvalidToken);
    });

    it('rejects a token signed by an unknown key', () => {
      const stranger = generateKeyPairSync('ed25519');
      assert.throws(() => asymmetric.verify(signEdDsa(claims(), stranger.privateKey)), InvalidToken);
    });

    it('reads a JWKS document and picks keys by kid', () => {
      const jwk = { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', alg: 'ES256' };
      const jwks = verifier(parsePublicKeys(JSON.stringify({ keys: [jwk] })));
      jwks.verify(jwt.sign(claims(), ec.privateKey, { algorithm: 'ES256', keyid: 'ec-1' }));
      assert.throws(() => jwks.verify(jwt.sign(claims(), ec.privateKey, { algorithm: 'ES256', keyid: 'other' })), InvalidToken);
    });

    it('signs with a private key that its public half verifies', () => {
      for (const pair of [rsa, ec, ed]) {
        const privatePem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
        const signer = new TokenSigner(parsePrivateKey(privatePem), clock);
        const { token, jti } = signer.sign({ subject: 'bob', scopes: ['secret:get:a'], ttlSeconds: 60 });
        assert.equal(asymmetric.verify(token).jti, jti);
      }
    });
  });
});
