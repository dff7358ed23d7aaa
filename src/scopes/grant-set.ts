/** The scopes of one token, compiled once, so that each check is a cheap match. Pure: no I/O. */
import { grantedScopeProblem, parseScope, type ParsedScope } from './grammar';
import { TargetPattern } from './target-pattern';

export interface CompiledGrant {
  readonly resource: string;
  readonly action: string;
  readonly target: TargetPattern;
}

export function compileGrant(scope: string): CompiledGrant {
  const problem = grantedScopeProblem(scope);
  if (problem) throw new Error(problem);
  const { resource, action, target } = parseScope(scope) as ParsedScope;
  return { resource, action, target: new TargetPattern(target) };
}

export class GrantSet {
  private readonly grants: readonly CompiledGrant[];

  constructor(readonly scopes: readonly string[]) {
    this.grants = scopes.map(compileGrant);
  }

  allows(resource: string, action: string, target: string): boolean {
    for (const grant of this.grants) {
      if (grant.resource !== resource) continue;
      if (grant.action !== '*' && grant.action !== action) continue;
      if (grant.target.matches(target)) return true;
    }
    return false;
  }

  /** For a literal scope string such as `secret:get:ci/a`. */
  allowsScope(required: string): boolean {
    const parsed = parseScope(required);
    return parsed !== undefined && this.allows(parsed.resource, parsed.action, parsed.target);
  }

  /** The target patterns granting `resource:action`, for narrowing a query to what could be allowed. */
  targetsFor(resource: string, action: string): TargetPattern[] {
    return this.grants
      .filter((grant) => grant.resource === resource && (grant.action === '*' || grant.action === action))
      .map((grant) => grant.target);
  }
}
