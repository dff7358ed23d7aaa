/**
 * Verifies CI providers' ID tokens. Each issuer's key set address comes from
 * its OIDC discovery document (openid-client) unless configured; the key
 * set is fetched, cached and fetched again when a token names an unknown
 * `kid`, at most once per 30 s (jose's remote key set). A cached set keeps
 * working while the issuer is unreachable; with none, the issuer is
 * unavailable (a 503), which a bad token never is (a 401). Beyond what
 * jose checks, an ID token's `exp` may lie at most the issuer's
 * `maxTokenLifetime` ahead, and one that names several audiences must name
 * this service as its authorized party (`azp`), as OIDC Core asks.
 */
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { Clock } from '../common/clock';
import { DEFAULT_MAX_ID_TOKEN_LIFETIME, keyAddressProblem, type OidcIssuer } from './oidc-issuers';

export const ID_TOKEN_ALGORITHMS = ['RS256', 'ES256'];
/** The shortest time between two fetches of one issuer's keys for unknown `kid`s, and between failed discoveries. */
export const KEY_REFETCH_MS = 30_000;
const FETCH_TIMEOUT_MS = 5000;
/** Only so that `iat` is checked for being in the future; providers' ID tokens live minutes to hours. */
const MAX_TOKEN_AGE = '400d';

export class IdTokenRejected extends Error {}
export class IssuerUnavailable extends Error {}

export interface VerifiedIdToken {
  readonly issuer: OidcIssuer;
  readonly claims: JWTPayload;
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

interface IssuerState {
  keySet?: KeySet;
  discovering?: Promise<KeySet>;
  failedAt?: number;
}

export type DiscoverKeyAddress = (issuer: string) => Promise<string>;

/** The discovery document's jwks_uri, through openid-client (loaded when first needed). */
async function discoverKeyAddress(issuer: string): Promise<string> {
  const { Issuer, custom } = await import('openid-client');
  custom.setHttpOptionsDefaults({ timeout: FETCH_TIMEOUT_MS });
  const discovered = await Issuer.discover(issuer);
  if (discovered.metadata.issuer !== issuer) throw new Error(`the discovery document names the issuer ${discovered.metadata.issuer}`);
  const address = discovered.metadata.jwks_uri;
  if (typeof address !== 'string') throw new Error('the discovery document has no jwks_uri');
  const problem = keyAddressProblem(address);
  if (problem) throw new Error(`jwks_uri ${problem}`);
  return address;
}

export class IdTokenVerifier {
  private readonly byIssuer: Map<string, OidcIssuer>;
  private readonly states = new Map<string, IssuerState>();

  constructor(
    issuers: readonly OidcIssuer[],
    private readonly options: { leewaySeconds: number; clock: Clock; discover?: DiscoverKeyAddress; keyRefetchMs?: number },
  ) {
    this.byIssuer = new Map(issuers.map((issuer) => [issuer.issuer, issuer]));
  }

  private get keyRefetchMs(): number {
    return this.options.keyRefetchMs ?? KEY_REFETCH_MS;
  }

  async verify(token: string): Promise<VerifiedIdToken> {
    let iss: unknown;
    try {
      const header = decodeProtectedHeader(token);
      if (!ID_TOKEN_ALGORITHMS.includes(String(header.alg)))
        throw new IdTokenRejected(`the ID token's algorithm must be ${ID_TOKEN_ALGORITHMS.join(' or ')}`);
      iss = decodeJwt(token).iss;
    } catch (error) {
      if (error instanceof IdTokenRejected) throw error;
      throw new IdTokenRejected('the ID token is not a JWT');
    }
    const issuer = typeof iss === 'string' ? this.byIssuer.get(iss) : undefined;
    if (!issuer) throw new IdTokenRejected("the ID token's issuer is not one this service trusts");
    const keySet = await this.keySetOf(issuer);
    try {
      const { payload } = await jwtVerify(token, keySet, {
        issuer: issuer.issuer,
        audience: issuer.audience,
        algorithms: ID_TOKEN_ALGORITHMS,
        clockTolerance: this.options.leewaySeconds,
        currentDate: new Date(this.options.clock.now()),
        maxTokenAge: MAX_TOKEN_AGE,
        requiredClaims: ['exp', 'iat'],
      });
      this.checkLifetimeAndParty(issuer, payload);
      return { issuer, claims: payload };
    } catch (error) {
      if (error instanceof IdTokenRejected) throw error;
      throw this.verificationFailure(issuer, error);
    }
  }

  private checkLifetimeAndParty(issuer: OidcIssuer, payload: JWTPayload): void {
    const maxLifetime = issuer.maxTokenLifetime ?? DEFAULT_MAX_ID_TOKEN_LIFETIME;
    const remaining = (payload.exp as number) - this.options.clock.now() / 1000;
    if (remaining > maxLifetime + this.options.leewaySeconds) {
      throw new IdTokenRejected(
        `the ID token's exp lies more than ${maxLifetime} seconds ahead, the most issuer ${issuer.name} allows (maxTokenLifetime)`,
      );
    }
    if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== issuer.audience) {
      throw new IdTokenRejected('the ID token names several audiences, and its azp claim does not name this service');
    }
  }

  /** A JOSE error is the token's fault; anything else (a fetch that failed) is the issuer's. */
  private verificationFailure(issuer: OidcIssuer, error: unknown): Error {
    if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
      return new IssuerUnavailable(`the keys of issuer ${issuer.name} cannot be fetched now`);
    }
    if (error instanceof errors.JWKSNoMatchingKey)
      return new IdTokenRejected('the ID token is signed with a key its issuer does not publish');
    if (error instanceof errors.JWTExpired) return new IdTokenRejected('the ID token has expired');
    if (error instanceof errors.JWTClaimValidationFailed)
      return new IdTokenRejected(`the ID token's ${error.claim} claim is not acceptable`);
    return new IdTokenRejected("the ID token's signature does not verify");
  }

  private async keySetOf(issuer: OidcIssuer): Promise<KeySet> {
    const state = this.states.get(issuer.issuer) ?? {};
    this.states.set(issuer.issuer, state);
    if (state.keySet) return state.keySet;
    if (!state.discovering) {
      if (state.failedAt !== undefined && this.options.clock.now() - state.failedAt < this.keyRefetchMs) {
        throw new IssuerUnavailable(`the keys of issuer ${issuer.name} cannot be fetched now`);
      }
      state.discovering = this.discover(issuer).finally(() => (state.discovering = undefined));
    }
    try {
      return await state.discovering;
    } catch {
      state.failedAt = this.options.clock.now();
      throw new IssuerUnavailable(`the keys of issuer ${issuer.name} cannot be fetched now`);
    }
  }

  /** The remote key set, once it has answered once: until then there is nothing to keep working with. */
  private async discover(issuer: OidcIssuer): Promise<KeySet> {
    const state = this.states.get(issuer.issuer) as IssuerState;
    const address = issuer.jwksUri ?? (await (this.options.discover ?? discoverKeyAddress)(issuer.issuer));
    const keySet = createRemoteJWKSet(new URL(address), {
      cooldownDuration: this.keyRefetchMs,
      cacheMaxAge: Infinity,
      timeoutDuration: FETCH_TIMEOUT_MS,
    });
    await keySet.reload();
    state.keySet = keySet;
    state.failedAt = undefined;
    return keySet;
  }
}
