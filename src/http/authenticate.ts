/** Bearer authentication, the first check of every /v1 request. */
import type { NextFunction, Request, Response } from 'express';
import { Unauthorized } from '../errors';
import type { Metrics } from './metrics';
import { InvalidToken, type Principal, type TokenVerifier } from '../tokens/token-verifier';
import { locals } from './locals';
import { takeOrRefuse, type RateLimiter } from './rate-limiter';

const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i;

/** Routes whose credential is in the body (a wrap token, a CI provider's ID token): no bearer token, and the address's rate limit. */
const CREDENTIAL_IN_BODY_ROUTES: ReadonlySet<string> = new Set(['/v1/unwrap', '/v1/wrap/lookup', '/v1/tokens/exchange']);

/**
 * Requests with a valid token count against their subject's rate limit;
 * the rest (no token, a bad one) against the client address's, so that
 * tasks sharing one address behind the auth proxy do not starve each other.
 */
export function authenticate(deps: {
  verifier: Pick<TokenVerifier, 'verify'>;
  metrics: Metrics;
  subjectLimiter: Pick<RateLimiter, 'take'>;
  addressLimiter: Pick<RateLimiter, 'take'>;
}) {
  const { verifier, metrics, subjectLimiter, addressLimiter } = deps;

  /** The principal behind the Authorization header, or Unauthorized. */
  const principalOf = (header: string | undefined): Principal => {
    if (header === undefined || header === '') {
      throw new Unauthorized('a bearer token is required', false);
    }
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) {
      throw new Unauthorized('the Authorization header must be "Bearer <token>"', true);
    }
    try {
      const principal = verifier.verify(token);
      metrics.tokenVerifications.inc({ result: 'valid' });
      return principal;
    } catch (error) {
      if (!(error instanceof InvalidToken)) throw error;
      metrics.tokenVerifications.inc({ result: 'invalid' });
      throw new Unauthorized(`invalid token: ${error.message}`, true);
    }
  };

  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'POST' && CREDENTIAL_IN_BODY_ROUTES.has(`${req.baseUrl}${req.path}`)) {
      takeOrRefuse(addressLimiter, req.socket.remoteAddress ?? 'unknown');
      next();
      return;
    }
    let principal: Principal;
    try {
      principal = principalOf(req.headers.authorization);
    } catch (error) {
      if (error instanceof Unauthorized) takeOrRefuse(addressLimiter, req.socket.remoteAddress ?? 'unknown');
      throw error;
    }
    locals(res).principal = principal;
    takeOrRefuse(subjectLimiter, principal.subject);
    next();
  };
}
