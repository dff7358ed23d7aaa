/**
 * Which key ranges a listing must read: the requested prefix intersected
 * with the literal start of each pattern the caller may list with. A
 * caller with no `secret:list` scope reads nothing; `secret:list:ci/**`
 * under prefix `ci` reads only `ci/…`. Pure: no I/O.
 */
import type { TargetPattern } from '../scopes/target-pattern';

/** Keys `k` with `from <= k < to`, in code-point order. */
export interface KeyRange {
  readonly from: string;
  readonly to: string;
}

// Key characters are [A-Za-z0-9_.-/]: '-' is the smallest and '~' sorts after them all.
const AFTER_ANY_KEY_CHARACTER = '~';
const SMALLEST_KEY_CHARACTER = '-';

/** Every key that starts with `prefix` (as text, not whole segments). */
export function startingWith(prefix: string): KeyRange {
  return { from: prefix, to: prefix + AFTER_ANY_KEY_CHARACTER };
}

/** Exactly `key`: no other key sorts between `key` and `key-`. */
export function exactly(key: string): KeyRange {
  return { from: key, to: key + SMALLEST_KEY_CHARACTER };
}

/** A whole-segment prefix: the key itself and everything below it; '' is every key. */
export function underPrefix(prefix: string): KeyRange[] {
  return prefix === '' ? [startingWith('')] : [exactly(prefix), startingWith(`${prefix}/`)];
}

function intersect(a: KeyRange, b: KeyRange): KeyRange | undefined {
  const from = a.from > b.from ? a.from : b.from;
  const to = a.to < b.to ? a.to : b.to;
  return from < to ? { from, to } : undefined;
}

/** Sorted, disjoint ranges covering every key under `prefix` that one of `patterns` could match. */
export function listableRanges(prefix: string, patterns: readonly TargetPattern[]): KeyRange[] {
  const candidates: KeyRange[] = [];
  for (const pattern of patterns) {
    const reach = pattern.isLiteral ? exactly(pattern.source) : startingWith(pattern.literalPrefix);
    for (const wanted of underPrefix(prefix)) {
      const both = intersect(reach, wanted);
      if (both) candidates.push(both);
    }
  }
  candidates.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const merged: KeyRange[] = [];
  for (const range of candidates) {
    const last = merged[merged.length - 1];
    if (last && range.from <= last.to) {
      if (range.to > last.to) merged[merged.length - 1] = { from: last.from, to: range.to };
    } else {
      merged.push(range);
    }
  }
  return merged;
}
