/** POST /v1/tokens (derive) and POST /v1/tokens/revoke. */
import { Router } from 'express';
import { formatTimestamp } from '../../clock';
import type { Metrics } from '../../metrics';
import type { TokenService } from '../../tokens/token-service';
import { principalOf } from '../locals';
import type { RequestAuditor } from '../request-auditor';

export function tokenRoutes(deps: { tokens: TokenService; metrics: Metrics; auditor: RequestAuditor }): Router {
  const { tokens, metrics, auditor } = deps;
  const router = Router({ caseSensitive: true, strict: true });

  router.post('/v1/tokens', async (req, res) => {
    const parent = principalOf(res);
    const body = req.body as { subject?: string; scopes: string[]; ttl: number };
    auditor.note(res, 'token.create', body.subject ?? parent.subject);
    const derived = await tokens.derive(parent, { subject: body.subject, scopes: body.scopes, ttlSeconds: body.ttl });
    metrics.tokensMinted.inc();
    await auditor.commit(req, res, 201);
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
    await tokens.revoke(principalOf(res), jti);
    metrics.revocations.inc();
    await auditor.commit(req, res, 204);
    res.status(204).end();
  });

  return router;
}
