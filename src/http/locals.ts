/** What the middleware chain learns about a request, read back in a typed way. */
import type { Response } from 'express';
import type { AuditAction } from '../audit/audit-event';
import type { Principal } from '../tokens/token-verifier';

export interface RequestLocals {
  requestId: string;
  principal?: Principal;
  /** The secret key from the path, already checked against the key grammar. */
  key?: string;
  /** What the audit event of this request will say; set by the route before any check. */
  audit?: { action: AuditAction; key: string | null; recorded?: boolean; detail?: string };
  /** A GET's If-None-Match, taken off the request so that only the routes with entity tags answer it. */
  ifNoneMatch?: string;
}

export function locals(res: Response): RequestLocals {
  return res.locals as RequestLocals;
}

export function principalOf(res: Response): Principal {
  const { principal } = locals(res);
  if (!principal) throw new Error('route reached without authentication');
  return principal;
}

export function keyOf(res: Response): string {
  const { key } = locals(res);
  if (key === undefined) throw new Error('secret route reached without a key');
  return key;
}
