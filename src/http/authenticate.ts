/** Bearer authentication, the first check of every /v1 request. */
import type { NextFunction, Request, Response } from 'express';
import { Unauthorized } from '../errors';
import type { Metrics } from '../metrics';
import { InvalidToken, type TokenVerifier } from '../tokens/token-verifier';
import { locals } from './locals';

const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i;

export function authenticate(deps: { verifier: Pick<TokenVerifier, 'verify'>; metrics: Metrics }) {
  const { verifier, metrics } = deps;
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization;
    if (header === undefined || header === '') {
      metrics.denials.inc({ reason: 'no_token' });
      throw new Unauthorized('a bearer token is required', false);
    }
    const match = BEARER.exec(header);
    if (!match) {
      metrics.denials.inc({ reason: 'invalid_token' });
      throw new Unauthorized('the Authorization header must be "Bearer <token>"', true);
    }
    try {
      locals(res).principal = verifier.verify(match[1]);
      metrics.tokenVerifications.inc({ result: 'valid' });
    } catch (error) {
      if (!(error instanceof InvalidToken)) throw error;
      metrics.tokenVerifications.inc({ result: 'invalid' });
      metrics.denials.inc({ reason: 'invalid_token' });
      throw new Unauthorized(`invalid token: ${error.message}`, true);
    }
    next();
  };
}
