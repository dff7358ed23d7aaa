/**
 * `run --from` and `export` take a whole prefix as `ci/deploy/**` (or `**`
 * for every key): the live secrets under it that the caller may list,
 * in key order. Nothing else of the scope glob grammar is taken here,
 * since a key pattern on the command line should read the one way.
 */
import type { SecretsClient } from './client/secrets-client';
import { CliError, EXIT_NOT_FOUND, EXIT_USAGE } from './exit';
import { keyProblem } from '../secrets/secret-key';

const EVERY_KEY = '**';
const UNDER = '/**';

/** The prefix `ci/deploy` of `ci/deploy/**`, '' of `**`; undefined for a plain key. */
export function prefixOf(pattern: string): string | undefined {
  if (pattern === EVERY_KEY) return '';
  return pattern.endsWith(UNDER) ? pattern.slice(0, -UNDER.length) : undefined;
}

/** Why `text` is neither a key nor a prefix pattern, or undefined. */
export function keyOrPrefixProblem(text: string): string | undefined {
  const prefix = prefixOf(text);
  if (prefix === '') return undefined;
  const problem = keyProblem(prefix ?? text);
  if (problem && text.includes('*')) return `only a whole prefix can be read, as ci/deploy/** (a trailing /**), not ${text}`;
  return problem;
}

export interface ExpandedKeys {
  /** Plain keys as given, each prefix's keys in key order in its place; no key twice. */
  readonly keys: string[];
  /** The pattern each key came from, for keys that came from a prefix. */
  readonly fromPrefix: ReadonlyMap<string, string>;
}

/** Lists the keys under each prefix pattern; a prefix with no secret the caller may list is an error (exit 3). */
export async function expandKeys(client: SecretsClient, patterns: readonly string[], consequence: string): Promise<ExpandedKeys> {
  const keys = new Set<string>();
  const fromPrefix = new Map<string, string>();
  for (const pattern of patterns) {
    const prefix = prefixOf(pattern);
    if (prefix === undefined) {
      keys.add(pattern);
      continue;
    }
    let found = 0;
    for await (const secret of client.listAll(prefix)) {
      found++;
      if (!keys.has(secret.key)) fromPrefix.set(secret.key, pattern);
      keys.add(secret.key);
    }
    if (found === 0) throw new CliError(`${pattern}: no secrets you may list under ${prefix || 'the root'}${consequence}`, EXIT_NOT_FOUND);
  }
  return { keys: [...keys], fromPrefix };
}

export function checkedKeysOrPrefixes(patterns: readonly string[], flag: string): void {
  for (const pattern of patterns) {
    const problem = keyOrPrefixProblem(pattern);
    if (problem) throw new CliError(`${flag}${pattern}: ${problem}`, EXIT_USAGE);
  }
}
