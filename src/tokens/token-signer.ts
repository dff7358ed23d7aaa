/** Signs tokens with a key held here: offline root tokens, and derived and exchanged ones unless an HSM or KMS signs them. */
import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Clock } from '../common/clock';
import { signEdDsa } from './eddsa-jws';
import type { SigningKey } from './signing-keys';

export interface TokenRequest {
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly ttlSeconds: number;
  readonly ancestors?: readonly string[];
}

export interface SignedToken {
  readonly token: string;
  readonly jti: string;
  readonly expiresAt: number;
  /** The key that signed it, when it has a kid. */
  readonly kid?: string;
}

/** What signs the tokens the service mints: a key held here, or one in AWS KMS. */
export interface TokenMinter {
  sign(request: TokenRequest): SignedToken | Promise<SignedToken>;
}

/** The claims of a new token, with its fresh jti and its expiry in milliseconds. */
export function tokenPayload(
  request: TokenRequest,
  nowMs: number,
  claims: { issuer?: string; audience?: string },
): { payload: Record<string, unknown>; jti: string; expiresAt: number } {
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + request.ttlSeconds;
  // Hex, so that a jti never begins with '-' and reads as an option on a command line (token revoke JTI).
  const jti = randomBytes(16).toString('hex');
  const payload = {
    sub: request.subject,
    scopes: [...request.scopes],
    iat,
    exp,
    jti,
    ...(request.ancestors && request.ancestors.length > 0 ? { anc: [...request.ancestors] } : {}),
    ...(claims.issuer ? { iss: claims.issuer } : {}),
    ...(claims.audience ? { aud: claims.audience } : {}),
  };
  return { payload, jti, expiresAt: exp * 1000 };
}

/** The JWS signing input (`header.payload`) of an ES256 token whose signature an HSM or KMS makes. */
export function es256SigningInput(kid: string | undefined, payload: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'ES256', typ: 'JWT', ...(kid === undefined ? {} : { kid }) })}.${encode(payload)}`;
}

export class TokenSigner implements TokenMinter {
  constructor(
    private readonly signingKey: SigningKey,
    private readonly clock: Clock,
    private readonly claims: { issuer?: string; audience?: string } = {},
  ) {}

  sign(request: TokenRequest): SignedToken {
    const { payload, jti, expiresAt } = tokenPayload(request, this.clock.now(), this.claims);
    const { algorithm, key, kid } = this.signingKey;
    const token =
      algorithm === 'EdDSA'
        ? signEdDsa(payload, key, kid)
        : jwt.sign(payload, key, { algorithm, ...(kid === undefined ? {} : { keyid: kid }) });
    return { token, jti, expiresAt };
  }
}
