/** ID tokens from a real OIDC issuer on loopback: discovery, key sets, every claim check, rotation and outages. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import { systemClock } from '../../src/common/clock';
import { IdTokenRejected, IdTokenVerifier, IssuerUnavailable } from '../../src/federation/id-token-verifier';
import { OidcIssuersError, parseOidcIssuers, type OidcIssuer } from '../../src/federation/oidc-issuers';
import { closedPort } from '../support/processes';
import { TestOidcIssuer } from '../support/oidc-issuer';

describe('IdTokenVerifier', () => {
  const provider = new TestOidcIssuer();
  let issuer: OidcIssuer;
  let verifier: IdTokenVerifier;
  const now = () => Math.floor(Date.now() / 1000);

  before(async () => {
    await provider.start();
    issuer = { name: 'ci', issuer: provider.url, audience: 'scoped-secrets' };
    verifier = new IdTokenVerifier([issuer], { leewaySeconds: 0, clock: systemClock });
  });
  after(() => provider.stop());

  const rejected = async (token: string, message: RegExp) => {
    await assert.rejects(verifier.verify(token), (error: unknown) => error instanceof IdTokenRejected && message.test(error.message));
  };

  it('verifies RS256 and ES256 tokens, finding the keys through discovery', async () => {
    for (const alg of ['RS256', 'ES256'] as const) {
      const verified = await verifier.verify(await provider.sign({ sub: 'repo:acme/widgets', repository: 'acme/widgets' }, { alg }));
      assert.equal(verified.issuer.name, 'ci');
      assert.equal(verified.claims.repository, 'acme/widgets');
    }
    assert.equal(provider.jwksFetches, 1, 'the key set is fetched once and cached');
  });

  it('checks audience, expiry, not-before and issued-at', async () => {
    await rejected(await provider.sign({ sub: 'x' }, { audience: 'someone-else' }), /aud claim/);
    await rejected(await provider.sign({ sub: 'x', exp: now() - 10 }), /expired/);
    await rejected(await provider.sign({ sub: 'x', nbf: now() + 300 }), /nbf claim/);
    await rejected(await provider.sign({ sub: 'x', iat: now() + 300 }), /iat claim/);
    await rejected(await provider.sign({ sub: 'x', iat: undefined }), /iat claim/);
  });

  it('caps how far ahead exp may lie, per issuer', async () => {
    await rejected(await provider.sign({ sub: 'x', exp: 1e308 }), /exp lies more than 86400 seconds ahead, the most issuer ci allows/);
    await rejected(await provider.sign({ sub: 'x', exp: now() + 86_400 + 60 }), /exp lies more than 86400 seconds ahead/);
    assert.equal((await verifier.verify(await provider.sign({ sub: 'day', exp: now() + 86_000 }))).claims.sub, 'day');
    const kubernetes = new IdTokenVerifier([{ ...issuer, maxTokenLifetime: 31_536_000 }], { leewaySeconds: 0, clock: systemClock });
    assert.equal((await kubernetes.verify(await provider.sign({ sub: 'year', exp: now() + 30_000_000 }))).claims.sub, 'year');
  });

  it('refuses several audiences unless azp names this service', async () => {
    await rejected(
      await provider.sign({ sub: 'x', aud: ['scoped-secrets', 'another-service'] }),
      /several audiences, and its azp claim does not name this service/,
    );
    await rejected(await provider.sign({ sub: 'x', aud: ['scoped-secrets', 'another-service'], azp: 'another-service' }), /azp/);
    assert.equal(
      (await verifier.verify(await provider.sign({ sub: 'azp', aud: ['scoped-secrets', 'another-service'], azp: 'scoped-secrets' }))).claims
        .sub,
      'azp',
    );
    assert.equal((await verifier.verify(await provider.sign({ sub: 'one', aud: ['scoped-secrets'] }))).claims.sub, 'one');
  });

  it("refuses an unknown issuer, an unknown key, alg none, and HS256 keyed with the issuer's public key", async () => {
    await rejected(await provider.sign({ sub: 'x', iss: 'https://elsewhere.example.com' }), /issuer is not one this service trusts/);
    await rejected(await provider.sign({ sub: 'x' }, { kid: 'no-such-kid' }), /key its issuer does not publish/);
    const claims = { iss: provider.url, aud: 'scoped-secrets', sub: 'x', iat: now(), exp: now() + 600 };
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    await rejected(none, /algorithm must be RS256 or ES256/);
    const confused = jwt.sign(claims, provider.publicKeyPem(), { algorithm: 'HS256' });
    await rejected(confused, /algorithm must be RS256 or ES256/);
    const tampered = (await provider.sign({ sub: 'x' })).replace(
      /\.[^.]+\./,
      `.${Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url')}.`,
    );
    await rejected(tampered, /signature does not verify/);
    await rejected('not.a.jwt', /not a JWT/);
  });

  it('picks up a key rotation through the unknown kid, no sooner than the refetch interval, and keeps working while the issuer is down', async () => {
    const before = await provider.sign({ sub: 'x' });
    // Key generation is slow on a busy machine: done first, so that only the swap falls inside the interval.
    provider.prepareRotation();
    const quick = new IdTokenVerifier([issuer], { leewaySeconds: 0, clock: systemClock, keyRefetchMs: 1000 });
    await quick.verify(await provider.sign({ sub: 'first' }));
    const fetched = provider.jwksFetches;
    provider.rotate();
    const rotated = await provider.sign({ sub: 'x' }, { alg: 'ES256' });
    await assert.rejects(quick.verify(rotated), IdTokenRejected, 'within the interval the key set is not fetched again');
    assert.equal(provider.jwksFetches, fetched);
    await new Promise((resolve) => setTimeout(resolve, 1050));
    assert.equal((await quick.verify(rotated)).claims.sub, 'x');
    assert.equal(provider.jwksFetches, fetched + 1);
    await assert.rejects(quick.verify(before), /key its issuer does not publish/);
    provider.down = true;
    try {
      assert.equal((await quick.verify(await provider.sign({ sub: 'still' }))).claims.sub, 'still', 'the cached key set keeps working');
    } finally {
      provider.down = false;
    }
  });

  it('answers unavailable for an issuer whose keys were never reachable, and tries again only after 30 s', async () => {
    const port = await closedPort();
    const unreachable: OidcIssuer = { name: 'gone', issuer: `http://127.0.0.1:${port}`, audience: 'scoped-secrets' };
    const clock = {
      current: Date.now(),
      now() {
        return this.current;
      },
    };
    let discoveries = 0;
    const lonely = new IdTokenVerifier([unreachable], {
      leewaySeconds: 0,
      clock,
      discover: async (address) => {
        discoveries++;
        const response = await fetch(`${address}/.well-known/openid-configuration`);
        return ((await response.json()) as { jwks_uri: string }).jwks_uri;
      },
    });
    const token = jwt.sign({ iss: unreachable.issuer, aud: 'scoped-secrets', sub: 'x' }, 'irrelevant-secret-irrelevant-secret', {
      algorithm: 'HS256',
    });
    const forged = token.replace(/^[^.]+/, Buffer.from('{"alg":"RS256","typ":"JWT","kid":"k"}').toString('base64url'));
    for (let attempt = 0; attempt < 3; attempt++) await assert.rejects(lonely.verify(forged), IssuerUnavailable);
    assert.equal(discoveries, 1, 'failures are not retried at once');
    clock.current += 31_000;
    await assert.rejects(lonely.verify(forged), IssuerUnavailable);
    assert.equal(discoveries, 2);
  });
});

describe('SECRETS_OIDC_ISSUERS', () => {
  it('reads issuers, and refuses plain HTTP away from loopback, duplicate names or issuers and unknown fields', () => {
    const good = parseOidcIssuers(
      JSON.stringify([
        { name: 'github', issuer: 'https://token.actions.githubusercontent.com', audience: 'scoped-secrets' },
        { name: 'local', issuer: 'http://127.0.0.1:9000', audience: 'a', jwksUri: 'http://localhost:9000/keys' },
      ]),
      'issuers.json',
    );
    assert.equal(good.length, 2);
    for (const [entries, message] of [
      [[{ name: 'x', issuer: 'http://ci.example.com', audience: 'a' }], /must be https/],
      [
        [
          { name: 'x', issuer: 'https://a', audience: 'a' },
          { name: 'x', issuer: 'https://b', audience: 'a' },
        ],
        /name x is taken/,
      ],
      [[{ name: 'a/b', issuer: 'https://a', audience: 'a' }], /one key segment/],
      [
        [
          { name: 'x', issuer: 'https://a', audience: 'a' },
          { name: 'y', issuer: 'https://a', audience: 'b' },
        ],
        /issuer https:\/\/a is configured already/,
      ],
      [[{ name: 'x', issuer: 'https://a', audience: 'a', maxTokenLifetime: 30 }], /maxTokenLifetime/],
      [[{ name: 'x', issuer: 'https://a', audience: 'a', maxTokenLifetime: '1d' }], /maxTokenLifetime/],
      [[{ name: 'x', issuer: 'https://a', audience: 'a', extra: 1 }], /unknown field extra/],
      [[{ name: 'x', issuer: 'https://a' }], /audience/],
      [{}, /JSON array/],
    ] as const) {
      assert.throws(
        () => parseOidcIssuers(JSON.stringify(entries), 'issuers.json'),
        (error: unknown) => error instanceof OidcIssuersError && message.test(error.message),
      );
    }
  });
});
