/**
 * A secret's key: its path in the hierarchy (`ci/deploy/aws`), segments of
 * [A-Za-z0-9_.-] joined by single slashes. Not to be confused with the data
 * keys of the envelope (crypto/), the keyring's keys (keyring/) or the token
 * signing keys (tokens/). Pure: no I/O.
 */

export const MAX_KEY_LENGTH = 512;
const SEGMENT = /^[A-Za-z0-9_.-]+$/;

/** Why `candidate` is not a key, or undefined when it is one. */
export function keyProblem(candidate: string): string | undefined {
  if (candidate.length === 0) return 'a key must not be empty';
  if (candidate.length > MAX_KEY_LENGTH) return `a key is at most ${MAX_KEY_LENGTH} characters`;
  if (candidate.includes('%')) return 'a key must not be percent-encoded';
  for (const segment of candidate.split('/')) {
    if (segment === '') return 'a key has no empty segment and no leading or trailing /';
    if (segment === '.' || segment === '..') return 'a key segment must not be . or ..';
    if (!SEGMENT.test(segment)) return 'a key segment may only contain A-Z a-z 0-9 _ . -';
  }
  return undefined;
}

export function isValidKey(candidate: string): boolean {
  return keyProblem(candidate) === undefined;
}
