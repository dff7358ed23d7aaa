/**
 * A route declares what it needs next to its path, Taskcluster style: how
 * to read the request (its 400s), the scopes that request needs (its 403),
 * then what it does. The scope check always runs after the shape check and
 * before the handler looks anything up, so a 403 never depends on whether
 * something exists.
 */
import type { NextFunction, Request, Response } from 'express';
import type { AuditAction } from '../audit/audit-event';
import { InsufficientScopes } from '../errors';
import { uncoveredScopes } from '../scopes/coverage';
import type { Principal } from '../tokens/token-verifier';
import { locals, principalOf } from './locals';

/** A literal scope, `[resource, action, target]`; or `{ covering }`, a pattern the caller's scopes must cover. */
export type RequiredScope = readonly [resource: string, action: string, target: string] | { readonly covering: string };

export interface SecuredRoute<P> {
  /** The audit event this request becomes, whatever its outcome. */
  readonly audit?: (req: Request, res: Response) => readonly [AuditAction, string | null];
  /** Reads and checks the request's shape: its 400s come before any 403. */
  readonly parse: (req: Request, res: Response) => P;
  /** Every scope the request needs; [] when any valid token will do. */
  readonly scopes: (request: P, caller: Principal) => readonly RequiredScope[];
  readonly handle: (request: P, req: Request, res: Response) => Promise<void> | void;
}

function missing(caller: Principal, required: readonly RequiredScope[]): string[] {
  return required
    .filter((scope) =>
      'covering' in scope ? uncoveredScopes(caller.grants.scopes, [scope.covering]).length > 0 : !caller.grants.allows(...scope),
    )
    .map((scope) => ('covering' in scope ? scope.covering : scope.join(':')));
}

export function secured<P>(route: SecuredRoute<P>) {
  return async (req: Request, res: Response, _next: NextFunction): Promise<void> => {
    if (route.audit) {
      const [action, key] = route.audit(req, res);
      locals(res).audit = { action, key };
    }
    const request = route.parse(req, res);
    const caller = principalOf(res);
    const lacking = missing(caller, route.scopes(request, caller));
    if (lacking.length > 0) throw new InsufficientScopes(lacking);
    await route.handle(request, req, res);
  };
}
