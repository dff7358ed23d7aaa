/**
 * Scope grammar and matching (SPEC section 3). Pure: no I/O.
 *
 * A granted scope is a pattern `<resource>:<action>:<target>`; a required
 * scope is always literal. Targets are globs over `/`-separated segments,
 * matched with minimatch; only `*` and `**` are wildcards, which keeps
 * matching linear-time and patterns easy to read.
 */
import { Minimatch } from 'minimatch';

export const SCOPE_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  secret: ['get', 'set', 'delete', 'list', 'history'],
  token: ['create', 'revoke'],
  audit: ['read'],
};

export const MAX_TARGET_LENGTH = 1024;
const FORBIDDEN_IN_TARGET = /[?[\]{}()!+@#\\]/;

export interface ParsedScope {
  resource: string;
  action: string;
  target: string;
}

/** Splits at the first two `:`; undefined when there are fewer. */
export function parseScope(scope: string): ParsedScope | undefined {
  const first = scope.indexOf(':');
  if (first < 0) return undefined;
  const second = scope.indexOf(':', first + 1);
  if (second < 0) return undefined;
  return {
    resource: scope.slice(0, first),
    action: scope.slice(first + 1, second),
    target: scope.slice(second + 1),
  };
}

/** Why `scope` is not a valid granted scope, or undefined when it is one. */
export function grantedScopeProblem(scope: unknown): string | undefined {
  if (typeof scope !== 'string') return 'a scope must be a string';
  const parsed = parseScope(scope);
  if (!parsed) return `"${scope}" is not <resource>:<action>:<target>`;
  const actions = Object.hasOwn(SCOPE_ACTIONS, parsed.resource) ? SCOPE_ACTIONS[parsed.resource] : undefined;
  if (!actions) return `unknown resource in "${scope}"`;
  if (parsed.action !== '*' && !actions.includes(parsed.action)) return `unknown action in "${scope}"`;
  const target = parsed.target;
  if (target.length === 0) return `empty target in "${scope}"`;
  if (target.length > MAX_TARGET_LENGTH) return `target longer than ${MAX_TARGET_LENGTH} characters in a scope`;
  if (FORBIDDEN_IN_TARGET.test(target)) return `only * and ** are wildcards, in "${scope}"`;
  for (const segment of target.split('/')) {
    if (segment === '') return `empty segment in "${scope}"`;
    if (segment !== '**' && segment.includes('**')) return `** must be a whole segment, in "${scope}"`;
  }
  return undefined;
}

export function isValidGrantedScope(scope: unknown): scope is string {
  return grantedScopeProblem(scope) === undefined;
}

// optimizationLevel 0: minimatch's default level folds `a/../b` into `b`,
// which would let `ci/../prod/*` reach prod/; keys never hold `.` or `..`
// segments, so such patterns must simply never match.
const MINIMATCH_OPTIONS = {
  dot: true,
  optimizationLevel: 0,
  nobrace: true,
  noext: true,
  nonegate: true,
  nocomment: true,
} as const;

/** A granted scope compiled once, so that each check is a cheap match. */
export interface CompiledGrant {
  readonly resource: string;
  readonly action: string;
  matchesTarget(target: string): boolean;
}

export function compileGrant(scope: string): CompiledGrant {
  const problem = grantedScopeProblem(scope);
  if (problem) throw new Error(problem);
  const { resource, action, target } = parseScope(scope) as ParsedScope;
  if (target === '**') return { resource, action, matchesTarget: () => true };
  if (!target.includes('*')) return { resource, action, matchesTarget: (t) => t === target };
  const matcher = new Minimatch(target, MINIMATCH_OPTIONS);
  return { resource, action, matchesTarget: (t) => matcher.match(t) };
}

/** The scopes of one token, compiled; answers whether a literal scope is granted. */
export class GrantSet {
  private readonly grants: readonly CompiledGrant[];

  constructor(readonly scopes: readonly string[]) {
    this.grants = scopes.map(compileGrant);
  }

  allows(resource: string, action: string, target: string): boolean {
    for (const grant of this.grants) {
      if (grant.resource !== resource) continue;
      if (grant.action !== '*' && grant.action !== action) continue;
      if (grant.matchesTarget(target)) return true;
    }
    return false;
  }

  /** For a literal scope string such as `secret:get:ci/a`. */
  allowsScope(required: string): boolean {
    const parsed = parseScope(required);
    return parsed !== undefined && this.allows(parsed.resource, parsed.action, parsed.target);
  }
}
