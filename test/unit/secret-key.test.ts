import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidKey } from '../../src/secrets/secret-key';

describe('key grammar', () => {
  const VALID = ['a', 'ci/deploy/aws', 'A-Z_a.z-0', '.hidden', 'a/.b/..c', '...', 'x'.repeat(512), 'a/b/c/d/e/f'];
  const INVALID = [
    ['', 'empty'],
    ['/a', 'leading slash'],
    ['a/', 'trailing slash'],
    ['a//b', 'empty segment'],
    ['.', 'dot segment'],
    ['a/./b', 'inner dot segment'],
    ['..', 'dot-dot'],
    ['a/../b', 'inner dot-dot'],
    ['a%2Fb', 'percent-encoded slash'],
    ['%41', 'percent-encoded letter'],
    ['a/*', 'wildcard'],
    ['a/**', 'globstar'],
    ['a?', 'question mark'],
    ['a b', 'space'],
    ['a:b', 'colon'],
    ['é', 'non-ASCII'],
    ['a\\b', 'backslash'],
    ['x'.repeat(513), 'too long'],
    ['a\nb', 'newline'],
  ] as const;

  for (const key of VALID) {
    it(`accepts ${JSON.stringify(key.length > 20 ? `${key.slice(0, 20)}…` : key)}`, () => assert.equal(isValidKey(key), true));
  }
  for (const [key, why] of INVALID) {
    it(`refuses a key with ${why}`, () => assert.equal(isValidKey(key), false));
  }
});
