import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listableRanges } from '../../src/secrets/listing-ranges';
import { TargetPattern } from '../../src/scopes/target-pattern';

const ranges = (prefix: string, patterns: string[]) =>
  listableRanges(
    prefix,
    patterns.map((pattern) => new TargetPattern(pattern)),
  ).map(({ from, to }) => `${from}..${to}`);

describe('listable key ranges', () => {
  // [prefix, the caller's secret:list targets, ranges read]
  const CASES: Array<[string, string[], string[]]> = [
    ['', [], []],
    ['a', [], []],
    ['', ['**'], ['..~']],
    ['ci', ['**'], ['ci..ci-', 'ci/..ci/~']],
    ['ci', ['ci/**'], ['ci/..ci/~']],
    ['ci', ['ci/deploy/*'], ['ci/deploy/..ci/deploy/~']],
    ['ci', ['prod/**'], []],
    ['ci', ['ci/a', 'ci/b'], ['ci/a..ci/a-', 'ci/b..ci/b-']],
    ['ci', ['ci/a*', 'ci/**'], ['ci/..ci/~']],
    ['ci/deploy', ['ci/*'], ['ci/deploy..ci/deploy-', 'ci/deploy/..ci/deploy/~']],
    ['', ['ci/*', 'prod/*'], ['ci/..ci/~', 'prod/..prod/~']],
    ['', ['*/x'], ['..~']],
  ];
  for (const [prefix, patterns, expected] of CASES) {
    it(`prefix "${prefix}" with [${patterns.join(', ')}] reads ${expected.length} range(s)`, () => {
      assert.deepEqual(ranges(prefix, patterns), expected);
    });
  }
});
