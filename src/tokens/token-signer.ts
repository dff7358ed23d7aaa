/** Signs tokens with the configured key: offline root tokens, and (later) derived ones. */
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
}

export class TokenSigner {
  constructor(
    private readonly signingKey: SigningKey,
    private readonly clock: Clock,
    private readonly claims: { issuer?: string; audience?: string } = {},
  ) {}

  sign(request: TokenRequest): SignedToken {
    const iat = Math.floor(this.clock.now() / 1000);
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
      ...(this.claims.issuer ? { iss: this.claims.issuer } : {}),
      ...(this.claims.audience ? { aud: this.claims.audience } : {}),
    };
    const { algorithm, key, kid } = this.signingKey;
    const token =
      algorithm === 'EdDSA'
        ? signEdDsa(payload, key, kid)
        : jwt.sign(payload, key, { algorithm, ...(kid === undefined ? {} : { keyid: kid }) });
    return { token, jti, expiresAt: exp * 1000 };
  }
}
