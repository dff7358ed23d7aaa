/**
 * Coverage for delegation (SPEC section 3): may a caller holding patterns P
 * hand out pattern Q? A naive `minimatch(Q, P)` is unsound (`ci/?` would
 * "cover" `ci/*`), so Q is compared with P segment by segment, treating
 * Q's own wildcards as the sets they stand for. The rule may refuse some
 * harmless requests; it never lets a derived token reach a key its parent
 * could not. Pure: no I/O.
 */
import { grantedScopeProblem, parseScope } from './scopes';

const segmentMatchers = new Map<string, RegExp>();

/** A P segment's `*`-glob, applied to Q's segment text with Q's `*` taken literally. */
function segmentGlob(segment: string): RegExp {
  let matcher = segmentMatchers.get(segment);
  if (!matcher) {
    const source = segment.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, '\\$&')).join('[^/]*');
    matcher = new RegExp(`^${source}$`);
    if (segmentMatchers.size > 10_000) segmentMatchers.clear();
    segmentMatchers.set(segment, matcher);
  }
  return matcher;
}

/** Whether target pattern `granted` covers target pattern `requested`, both split into segments. */
function targetCovers(granted: readonly string[], requested: readonly string[]): boolean {
  const memo = new Map<number, boolean>();
  const width = requested.length + 1;
  const covers = (i: number, j: number): boolean => {
    const slot = i * width + j;
    const known = memo.get(slot);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === granted.length) {
      result = j === requested.length;
    } else if (granted[i] === '**') {
      if (i === granted.length - 1) {
        // A trailing `**` absorbs one or more segments, as `ci/**` matches `ci/a` but not `ci`.
        result = j < requested.length;
      } else {
        result = false;
        for (let k = j; k <= requested.length && !result; k++) result = covers(i + 1, k);
      }
    } else {
      const segment = requested[j];
      result = segment !== undefined && segment !== '**' && segmentGlob(granted[i]).test(segment) && covers(i + 1, j + 1);
    }
    memo.set(slot, result);
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
