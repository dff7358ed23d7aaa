/**
 * Coverage for delegation: may a caller holding patterns P hand out
 * pattern Q? A naive `minimatch(Q, P)` is unsound (`ci/?` would "cover"
 * `ci/*`), so Q is compared with P segment by segment, treating Q's own
 * wildcards as the sets they stand for. The rule may refuse some harmless
 * requests; it never lets a derived token reach a key its parent could
 * not. Pure: no I/O.
 */
import { grantedScopeProblem, parseScope } from './grammar';
import { compileSegment, segmentMatches } from './target-pattern';

const UNKNOWN = 0;
const YES = 1;
const NO = 2;

/**
 * Whether target pattern `granted` covers target pattern `requested`, both
 * split into segments. A dynamic programme over (i, j) with constant work
 * per cell: a `**` of P absorbs Q's segments one at a time.
 */
function targetCovers(granted: readonly string[], requested: readonly string[]): boolean {
  const width = requested.length + 1;
  const memo = new Uint8Array((granted.length + 1) * width);
  const globs = granted.map((segment) => (segment === '**' ? undefined : compileSegment(segment)));
  const covers = (i: number, j: number): boolean => {
    const slot = i * width + j;
    if (memo[slot] !== UNKNOWN) return memo[slot] === YES;
    let result: boolean;
    const glob = globs[i];
    if (i === granted.length) {
      result = j === requested.length;
    } else if (glob === undefined) {
      // A trailing `**` absorbs one or more segments, as `ci/**` matches `ci/a` but not `ci`;
      // any other absorbs zero or more.
      result = i === granted.length - 1 ? j < requested.length : covers(i + 1, j) || (j < requested.length && covers(i, j + 1));
    } else {
      const segment = requested[j];
      result = segment !== undefined && segment !== '**' && segmentMatches(glob, segment) && covers(i + 1, j + 1);
    }
    memo[slot] = result ? YES : NO;
    return result;
  };
  return covers(0, 0);
}

/** Whether one granted pattern covers one requested pattern. Both must be valid scopes. */
export function scopeCovers(granted: string, requested: string): boolean {
  if (grantedScopeProblem(granted) || grantedScopeProblem(requested)) return false;
  const p = parseScope(granted);
  const q = parseScope(requested);
  if (!p || !q || p.resource !== q.resource) return false;
  if (q.action === '*' ? p.action !== '*' : p.action !== '*' && p.action !== q.action) return false;
  return targetCovers(p.target.split('/'), q.target.split('/'));
}

/** The requested patterns that none of the caller's patterns cover. */
export function uncoveredScopes(callerScopes: readonly string[], requested: readonly string[]): string[] {
  return requested.filter((scope) => !callerScopes.some((granted) => scopeCovers(granted, scope)));
}
