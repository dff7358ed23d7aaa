/**
 * Bearer token verification. A verified token is cached, keyed by a hash
 * of the token, with its scopes compiled, until it expires; the cache is
 * bounded in entries and in estimated memory, and forgets the least
 * recently used token first.
 */
import { createHash } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Clock } from '../common/clock';
import { LruMap } from '../common/lru-map';
import { GrantSet } from '../scopes/grant-set';
import { checkClaims, type TokenClaims } from './claims';
import { verifyEdDsa } from './eddsa-jws';
import type { TokenAlgorithm, VerificationKey } from './signing-keys';

export interface Principal {
  readonly subject: string;
  readonly grants: GrantSet;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
  readonly jti?: string;
  /** The jtis of the tokens this one was derived from, oldest first. */
  readonly ancestors: readonly string[];
}

export class InvalidToken extends Error {}

const MAX_TOKEN_LENGTH = 16 * 1024;
/** Roughly what a cached principal costs: a fixed part, and its scopes' text with their compiled segments. */
const PRINCIPAL_OVERHEAD_BYTES = 1024;
const BYTES_PER_SCOPE_CHARACTER = 16;
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

export function estimatedPrincipalBytes(principal: Principal): number {
  let characters = 0;
  for (const scope of principal.grants.scopes) characters += scope.length + 16;
  return PRINCIPAL_OVERHEAD_BYTES + characters * BYTES_PER_SCOPE_CHARACTER;
}

export class TokenVerifier {
  private readonly cache: LruMap<string, Principal>;
  private keys: readonly VerificationKey[];
  private algorithms: ReadonlySet<TokenAlgorithm>;
  private readonly clock: Clock;
  private readonly leewaySeconds: number;
  private readonly issuer?: string;
  private readonly audience?: string;
  private readonly isRevoked: (jti: string) => boolean;

  constructor(deps: {
    keys: readonly VerificationKey[];
    /** Consulted on every call, cached or not, for the token's jti and each of its ancestors. */
    isRevoked?: (jti: string) => boolean;
    clock: Clock;
    leewaySeconds: number;
    issuer?: string;
    audience?: string;
    cacheSize?: number;
    cacheBytes?: number;
  }) {
    this.keys = deps.keys;
    this.algorithms = new Set(deps.keys.map((key) => key.algorithm));
    this.clock = deps.clock;
    this.leewaySeconds = deps.leewaySeconds;
    this.issuer = deps.issuer;
    this.audience = deps.audience;
    this.cache = new LruMap(
      { maxEntries: deps.cacheSize ?? 10_000, maxWeight: deps.cacheBytes ?? DEFAULT_CACHE_BYTES },
      estimatedPrincipalBytes,
    );
    this.isRevoked = deps.isRevoked ?? (() => false);
  }

  /**
   * The keys changed (a rotation was published, or a key left the set):
   * verification uses these from now on, and nothing verified with the old
   * ones is trusted from the cache.
   */
  replaceKeys(keys: readonly VerificationKey[]): void {
    this.keys = keys;
    this.algorithms = new Set(keys.map((key) => key.algorithm));
    this.cache.clear();
  }

  /** The principal behind `token`; InvalidToken with a reason otherwise. */
  verify(token: string): Principal {
    const principal = this.verifyCached(token);
    if (this.revoked(principal)) throw new InvalidToken('the token has been revoked');
    return principal;
  }

  private verifyCached(token: string): Principal {
    const cacheKey = createHash('sha256').update(token).digest('base64');
    const cached = this.cache.get(cacheKey);
    if (cached) {
      if (cached.expiresAt + this.leewaySeconds * 1000 > this.clock.now()) return cached;
      this.cache.delete(cacheKey);
    }
    const principal = this.verifyUncached(token);
    this.cache.set(cacheKey, principal);
    return principal;
  }

  /** How many tokens are cached, and their estimated bytes. */
  get cacheUse(): { tokens: number; bytes: number } {
    return { tokens: this.cache.size, bytes: this.cache.weight };
  }

  private revoked(principal: Principal): boolean {
    if (principal.jti !== undefined && this.isRevoked(principal.jti)) return true;
    return principal.ancestors.some(this.isRevoked);
  }

  private verifyUncached(token: string): Principal {
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidToken('the token is too long');
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded.header !== 'object') throw new InvalidToken('the token is not a JWT');
    const algorithm = decoded.header.alg as TokenAlgorithm;
    if (!this.algorithms.has(algorithm)) throw new InvalidToken('the token algorithm is not accepted');
    const kid = decoded.header.kid;
    const candidates = this.keys.filter(
      (key) => key.algorithm === algorithm && (kid === undefined || key.kid === undefined || key.kid === kid),
    );
    const payload = this.firstValidSignature(token, algorithm, candidates);
    if (payload === undefined) throw new InvalidToken('the token signature is not valid');
    const claims = checkClaims(payload, {
      nowSeconds: this.clock.now() / 1000,
      leewaySeconds: this.leewaySeconds,
      issuer: this.issuer,
      audience: this.audience,
    });
    if (typeof claims === 'string') throw new InvalidToken(claims);
    return toPrincipal(claims);
  }

  private firstValidSignature(token: string, algorithm: TokenAlgorithm, candidates: readonly VerificationKey[]): unknown {
    for (const { key } of candidates) {
      if (algorithm === 'EdDSA') {
        const payload = verifyEdDsa(token, key);
        if (payload !== undefined) return payload;
        continue;
      }
      try {
        // Time and claim checks are ours (checkClaims), the same for every algorithm.
        return jwt.verify(token, key, { algorithms: [algorithm], ignoreExpiration: true, ignoreNotBefore: true });
      } catch {
        // Try the next key with this algorithm.
      }
    }
    return undefined;
  }
}

function toPrincipal(claims: TokenClaims): Principal {
  return {
    subject: claims.sub,
    grants: new GrantSet(claims.scopes),
    expiresAt: claims.exp * 1000,
    jti: claims.jti,
    ancestors: claims.anc ?? [],
  };
}
