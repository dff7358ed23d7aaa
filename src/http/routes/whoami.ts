import { Router } from 'express';
import { formatTimestamp } from '../../common/clock';
import { principalOf } from '../locals';

/** GET /v1/whoami: any valid token may ask what it is. */
export function whoamiRoutes(): Router {
  const router = Router({ caseSensitive: true, strict: true });
  router.get('/v1/whoami', (_req, res) => {
    const principal = principalOf(res);
    res.json({
      subject: principal.subject,
      scopes: principal.grants.scopes,
      expires: formatTimestamp(principal.expiresAt),
      ...(principal.jti ? { jti: principal.jti } : {}),
    });
  });
  return router;
}
