/**
 * Matching and coverage stay linear in the key's length whatever the
 * pattern: a derived scope such as `ci/*a*a*a*a*a*a*a*a*b` once made the
 * regular expression behind a GET backtrack for seconds.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { minimatch } from 'minimatch';
import { scopeCovers } from '../../src/scopes/coverage';
import { GrantSet } from '../../src/scopes/grant-set';

/** Milliseconds one call takes, the slowest of a few runs. */
function slowest(call: () => unknown, runs = 3): number {
  let worst = 0;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    call();
    worst = Math.max(worst, performance.now() - started);
  }
  return worst;
}

const HOSTILE_PATTERNS = [
  'ci/*a*a*a*a*a*a*a*a*b',
  `ci/${'*a'.repeat(40)}*b`,
  `${'**/'.repeat(100)}b`,
  `${'*a/'.repeat(60)}**/${'*a*a*a*b/'.repeat(20)}x`,
  `**/${'a*'.repeat(200)}b`,
];

describe('scope matching cost', () => {
  for (const pattern of HOSTILE_PATTERNS) {
    it(`matches a 512-character key against ${pattern.slice(0, 24)}… in bounded time`, () => {
      const grants = new GrantSet([`secret:get:${pattern}`]);
      const oneSegment = `ci/${'a'.repeat(509)}`;
      const manySegments = Array.from({ length: 256 }, () => 'a').join('/');
      for (const key of [oneSegment, manySegments]) {
        assert.equal(grants.allows('secret', 'get', key), false);
        // A backtracking matcher takes seconds here (16.5 s for a 60-character segment); the bound is loose on purpose.
        assert.ok(slowest(() => grants.allows('secret', 'get', key)) < 50, `matching ${key.slice(0, 12)}… took too long`);
      }
    });
  }

  it('decides coverage of hostile patterns in bounded time', () => {
    const parent = `secret:get:ci/${'*a'.repeat(40)}*b`;
    const requested = `secret:get:ci/${'a'.repeat(900)}`;
    assert.equal(scopeCovers(parent, requested), false);
    assert.ok(slowest(() => scopeCovers(parent, requested)) < 50);
    const deepParent = `secret:get:${'**/'.repeat(300)}x`;
    const deepRequested = `secret:get:${'a/'.repeat(300)}y`;
    assert.equal(scopeCovers(deepParent, deepRequested), false);
    assert.ok(slowest(() => scopeCovers(deepParent, deepRequested)) < 200);
  });

  it('agrees with minimatch on every key (no . or .. segments) and pattern of * and **', () => {
    const segmentText = fc.stringOf(fc.constantFrom('a', 'b', '.'), { minLength: 1, maxLength: 4 }).filter((s) => s !== '.' && s !== '..');
    const patternSegment = fc.oneof(
      fc.constant('**'),
      fc.stringOf(fc.constantFrom('a', 'b', '*', '.'), { minLength: 1, maxLength: 4 }).filter((s) => !s.includes('**')),
    );
    const key = fc.array(segmentText, { minLength: 1, maxLength: 5 }).map((segments) => segments.join('/'));
    const pattern = fc.array(patternSegment, { minLength: 1, maxLength: 5 }).map((segments) => segments.join('/'));
    fc.assert(
      fc.property(pattern, key, (target, candidate) => {
        const expected = minimatch(candidate, target, {
          dot: true,
          optimizationLevel: 0,
          nobrace: true,
          noext: true,
          nonegate: true,
          nocomment: true,
        });
        assert.equal(new GrantSet([`secret:get:${target}`]).allows('secret', 'get', candidate), expected, `${target} vs ${candidate}`);
      }),
      { numRuns: 5000 },
    );
  });
});
