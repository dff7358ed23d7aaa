/**
 * Scope grammar. Pure: no I/O.
 *
 * A granted scope is a pattern `<resource>:<action>:<target>`; a required
 * scope is always literal. Targets are globs over `/`-separated segments
 * in which only `*` and `**` are wildcards, which keeps matching
 * linear-time and patterns easy to read.
 */
export const SCOPE_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  secret: ['get', 'set', 'delete', 'list', 'history', 'wrap'],
  token: ['create', 'revoke', 'list'],
  audit: ['read'],
  trust: ['get', 'set', 'delete'],
  wrap: ['value'],
  dynamic: ['configure', 'lease', 'list', 'revoke'],
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

/** The most scopes one token may carry, and their total length: what verifying and caching one token may cost. */
export const MAX_SCOPES = 256;
export const MAX_SCOPE_BYTES = 8192;

/** Why a list of valid scopes is too much for one token, or undefined. */
export function scopeListProblem(scopes: readonly string[]): string | undefined {
  if (scopes.length > MAX_SCOPES) return `a token carries at most ${MAX_SCOPES} scopes`;
  let total = 0;
  for (const scope of scopes) total += scope.length;
  if (total > MAX_SCOPE_BYTES) return `a token's scopes are at most ${MAX_SCOPE_BYTES} characters together`;
  return undefined;
}
