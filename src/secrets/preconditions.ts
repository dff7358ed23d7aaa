/**
 * If-Match / If-None-Match for writes, and If-None-Match for reads (RFC
 * 9110 section 13.1). A version is
 * its entity tag: `"3"`. Weak tags compare as strong ones: a version names
 * exactly one value either way.
 */
import { InvalidRequest, PreconditionFailed } from '../errors';

export type TagList = '*' | readonly number[];

export interface Preconditions {
  readonly ifMatch?: TagList;
  readonly ifNoneMatch?: TagList;
}

const TAG = /^(?:W\/)?"([^"]*)"$/;

/** Parses a header value; undefined when absent, InvalidRequest when malformed. */
export function parseTagList(header: string | undefined, name: string): TagList | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  if (trimmed === '*') return '*';
  const versions: number[] = [];
  for (const part of trimmed.split(',')) {
    const tag = TAG.exec(part.trim())?.[1];
    if (tag === undefined) throw new InvalidRequest(`${name} must be * or a list of entity tags such as "3"`);
    // A well-formed tag that is not a version can never match; keep it as -1.
    versions.push(/^[1-9]\d{0,14}$/.test(tag) ? Number(tag) : -1);
  }
  return versions;
}

function tagsMatch(tags: TagList, currentVersion: number | undefined): boolean {
  if (currentVersion === undefined) return false;
  return tags === '*' || tags.includes(currentVersion);
}

/** `currentVersion` is undefined when the secret is absent or expired. */
export function checkPreconditions(preconditions: Preconditions, currentVersion: number | undefined): void {
  if (preconditions.ifMatch !== undefined && !tagsMatch(preconditions.ifMatch, currentVersion)) {
    throw new PreconditionFailed(
      currentVersion === undefined ? 'If-Match: the secret does not exist' : 'If-Match: the secret is at another version',
    );
  }
  if (preconditions.ifNoneMatch !== undefined && tagsMatch(preconditions.ifNoneMatch, currentVersion)) {
    throw new PreconditionFailed('If-None-Match: the secret already exists at a matching version');
  }
}

/** A GET's If-None-Match against the version it would send: true when the client has it already (304). */
export function notModified(ifNoneMatch: TagList | undefined, version: number): boolean {
  return ifNoneMatch !== undefined && tagsMatch(ifNoneMatch, version);
}

export function entityTag(version: number): string {
  return `"${version}"`;
}
