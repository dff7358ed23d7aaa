/** POST /v1/tokens (derive) and POST /v1/tokens/revoke. */
import { Router } from 'express';
import { formatTimestamp } from '../../clock';
import type { Metrics } from '../../metrics';
import type { TokenService } from '../../tokens/token-service';
import { principalOf } from '../locals';
import { takeOrRefuse, type RateLimiter } from '../rate-limiter';
import type { RequestAuditor } from '../request-auditor';

/** Minting and revoking are limited per subject apart from other requests: each leaves a row every replica reads. */
export function tokenRoutes(deps: {
  tokens: TokenService;
  metrics: Metrics;
  auditor: RequestAuditor;
  tokenLimiter: Pick<RateLimiter, 'take'>;
}): Router {
  const { tokens, metrics, auditor, tokenLimiter } = deps;
  const router = Router({ caseSensitive: true, strict: true });

  router.post('/v1/tokens', async (req, res) => {
    const parent = principalOf(res);
    const body = req.body as { subject?: string; scopes: string[]; ttl: number };
    auditor.note(res, 'token.create', body.subject ?? parent.subject);
    takeOrRefuse(tokenLimiter, parent.subject, metrics);
    const derived = await tokens.derive(parent, { subject: body.subject, scopes: body.scopes, ttlSeconds: body.ttl }, auditor.actor(req, res));
    auditor.committedWithWrite(res);
    metrics.tokensMinted.inc();
    res.status(201).json({
      token: derived.token,
      jti: derived.jti,
      subject: derived.subject,
      scopes: derived.scopes,
      expires: formatTimestamp(derived.expiresAt),
    });
  });

  router.post('/v1/tokens/revoke', async (req, res) => {
    const { jti } = req.body as { jti: string };
    auditor.note(res, 'token.revoke', jti);
    takeOrRefuse(tokenLimiter, principalOf(res).subject, metrics);
    await tokens.revoke(principalOf(res), jti, auditor.actor(req, res));
    auditor.committedWithWrite(res);
    metrics.revocations.inc();
    res.status(204).end();
  });

  return router;
}
