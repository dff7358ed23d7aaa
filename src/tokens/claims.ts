/** The claims a token must carry, checked the same way for every algorithm. */
import { keyProblem } from '../secrets/secret-key';
import { grantedScopeProblem, scopeListProblem } from '../scopes/grammar';

export interface TokenClaims {
  readonly sub: string;
  readonly scopes: readonly string[];
  readonly exp: number;
  readonly iat?: number;
  readonly nbf?: number;
  readonly jti?: string;
  readonly anc?: readonly string[];
  readonly iss?: string;
  readonly aud?: string | readonly string[];
}

export interface ClaimRules {
  readonly nowSeconds: number;
  readonly leewaySeconds: number;
  readonly issuer?: string;
  readonly audience?: string;
}

/** The last second of year 9999: later times cannot be written as RFC 3339 dates. */
const LATEST_TIME_SECONDS = 253_402_300_799;

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= LATEST_TIME_SECONDS;
}

const JTI = /^[A-Za-z0-9_-]{1,128}$/;

/** The claims, or the reason they are not acceptable. */
export function checkClaims(payload: unknown, rules: ClaimRules): TokenClaims | string {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'the payload is not an object';
  const claims = payload as Record<string, unknown>;
  if (typeof claims.sub !== 'string' || keyProblem(claims.sub)) return 'sub is missing or not a valid subject';
  if (!Array.isArray(claims.scopes)) return 'scopes must be an array';
  for (const scope of claims.scopes) {
    const problem = grantedScopeProblem(scope);
    if (problem) return `invalid scope: ${problem}`;
  }
  const listProblem = scopeListProblem(claims.scopes as string[]);
  if (listProblem) return listProblem;
  if (claims.exp === undefined) return 'exp is missing';
  if (!isTime(claims.exp)) return 'exp is not a time this server can represent';
  if (claims.exp + rules.leewaySeconds <= rules.nowSeconds) return 'the token has expired';
  if (claims.nbf !== undefined) {
    if (!isTime(claims.nbf)) return 'nbf is not a time this server can represent';
    if (claims.nbf - rules.leewaySeconds > rules.nowSeconds) return 'the token is not valid yet';
  }
  if (claims.iat !== undefined && !isTime(claims.iat)) return 'iat is not a time this server can represent';
  if (claims.jti !== undefined && (typeof claims.jti !== 'string' || !JTI.test(claims.jti))) return 'jti is not valid';
  if (claims.anc !== undefined) {
    if (!Array.isArray(claims.anc) || claims.anc.some((jti) => typeof jti !== 'string' || !JTI.test(jti))) {
      return 'anc must be an array of jti values';
    }
  }
  if (rules.issuer !== undefined && claims.iss !== rules.issuer) return 'the issuer is not accepted';
  if (rules.audience !== undefined) {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(rules.audience)) return 'the audience is not accepted';
  }
  return claims as unknown as TokenClaims;
}
