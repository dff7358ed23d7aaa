/** The scope check: before any lookup, so a 403 never depends on existence. */
import { InsufficientScopes } from '../errors';
import type { Metrics } from '../metrics';
import { uncoveredScopes } from '../scopes/coverage';
import type { Principal } from '../tokens/token-verifier';

export type RequiredScope = readonly [resource: string, action: string, target: string];

export function requireScopes(principal: Principal, required: readonly RequiredScope[], metrics: Metrics): void {
  const missing = required.filter(([resource, action, target]) => !principal.grants.allows(resource, action, target));
  if (missing.length > 0) {
    metrics.denials.inc({ reason: 'insufficient_scopes' });
    throw new InsufficientScopes(missing.map((scope) => scope.join(':')));
  }
}

/** For a required scope that is itself a pattern (`audit:read:**`): the caller's scopes must cover it. */
export function requirePatternScope(principal: Principal, required: string, metrics: Metrics): void {
  if (uncoveredScopes(principal.grants.scopes, [required]).length > 0) {
    metrics.denials.inc({ reason: 'insufficient_scopes' });
    throw new InsufficientScopes([required]);
  }
}
