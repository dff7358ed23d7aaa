/** Bearer authentication, the first check of every /v1 request. */
import type { NextFunction, Request, Response } from 'express';
import { TooManyRequests, Unauthorized } from '../errors';
import type { Metrics } from '../metrics';
import { InvalidToken, type TokenVerifier } from '../tokens/token-verifier';
import { locals } from './locals';
import type { RateLimiter } from './rate-limiter';

const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i;

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
  const refuse = (req: Request, error: Unauthorized): never => {
    const wait = addressLimiter.take(req.socket.remoteAddress ?? 'unknown');
    if (wait > 0) {
      metrics.denials.inc({ reason: 'rate_limited' });
      throw new TooManyRequests(wait);
    }
    throw error;
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization;
    if (header === undefined || header === '') {
      metrics.denials.inc({ reason: 'no_token' });
      refuse(req, new Unauthorized('a bearer token is required', false));
    }
    const match = BEARER.exec(header as string);
    if (!match) {
      metrics.denials.inc({ reason: 'invalid_token' });
      refuse(req, new Unauthorized('the Authorization header must be "Bearer <token>"', true));
    }
    try {
      locals(res).principal = verifier.verify((match as RegExpExecArray)[1]);
      metrics.tokenVerifications.inc({ result: 'valid' });
    } catch (error) {
      if (!(error instanceof InvalidToken)) throw error;
      metrics.tokenVerifications.inc({ result: 'invalid' });
      metrics.denials.inc({ reason: 'invalid_token' });
      refuse(req, new Unauthorized(`invalid token: ${error.message}`, true));
    }
    const wait = subjectLimiter.take((locals(res).principal as { subject: string }).subject);
    if (wait > 0) {
      metrics.denials.inc({ reason: 'rate_limited' });
      throw new TooManyRequests(wait);
    }
    next();
  };
}
