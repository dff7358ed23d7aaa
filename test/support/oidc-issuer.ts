/**
 * A real OIDC issuer on loopback, for tests: discovery at
 * /.well-known/openid-configuration, a JWKS endpoint, and RS256 and ES256
 * signing with keys it can rotate. It can be taken down and brought back,
 * and counts how often its key set was fetched.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';

interface SigningKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256';
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

function newKey(alg: 'RS256' | 'ES256'): SigningKey {
  const pair = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid: randomBytes(8).toString('hex'), alg, ...pair };
}

export class TestOidcIssuer {
  private server?: http.Server;
  private port = 0;
  private keys: SigningKey[] = [newKey('RS256'), newKey('ES256')];
  /** Answer the key set with 503, as an issuer in trouble would. */
  down = false;
  jwksFetches = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      if (this.down) {
        res.writeHead(503).end();
        return;
      }
      if (req.url === '/.well-known/openid-configuration') {
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(
            JSON.stringify({ issuer: this.url, jwks_uri: `${this.url}/jwks`, id_token_signing_alg_values_supported: ['RS256', 'ES256'] }),
          );
        return;
      }
      if (req.url === '/jwks') {
        this.jwksFetches++;
        void Promise.all(
          this.keys.map(async (key) => ({ ...(await exportJWK(key.publicKey)), kid: key.kid, alg: key.alg, use: 'sig' })),
        ).then((keys) => {
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys }));
        });
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server?.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  private staged?: SigningKey[];

  /** Generates the next keys (slow, for RSA) without publishing them, so that `rotate` itself is instant. */
  prepareRotation(): void {
    this.staged = [newKey('RS256'), newKey('ES256')];
  }

  /** A new key of each algorithm; tokens signed from now on name kids the key set fetched earlier did not have. */
  rotate(): void {
    this.keys = this.staged ?? [newKey('RS256'), newKey('ES256')];
    this.staged = undefined;
  }

  /** The public key in PEM, for forging an HS256 token keyed with it. */
  publicKeyPem(alg: 'RS256' | 'ES256' = 'RS256'): string {
    const key = this.keys.find((candidate) => candidate.alg === alg) as SigningKey;
    return key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** An ID token of this issuer: `iss`, `aud`, `iat`, `exp` (10 min) unless the claims say otherwise. */
  async sign(claims: JWTPayload, options: { alg?: 'RS256' | 'ES256'; audience?: string; kid?: string } = {}): Promise<string> {
    const key = this.keys.find((candidate) => candidate.alg === (options.alg ?? 'RS256')) as SigningKey;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: this.url, aud: options.audience ?? 'scoped-secrets', iat: now, exp: now + 600, ...claims })
      .setProtectedHeader({ alg: key.alg, kid: options.kid ?? key.kid, typ: 'JWT' })
      .sign(key.privateKey);
  }
}
