import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { minimatch } from 'minimatch';
import { scopeCovers, uncoveredScopes } from '../../src/scopes/coverage';
import { GrantSet } from '../../src/scopes/grant-set';

// [caller's pattern P, requested pattern Q, covered?]
const CASES: Array<[string, string, boolean]> = [
  // identical and narrower literals
  ['secret:get:ci/a', 'secret:get:ci/a', true],
  ['secret:get:ci/a', 'secret:get:ci/b', false],
  ['secret:get:ci/a', 'secret:get:ci/a/b', false],
  ['secret:get:ci/*', 'secret:get:ci/a', true],
  ['secret:get:ci/*', 'secret:get:ci/*', true],
  ['secret:get:ci/*', 'secret:get:ci/a*', true],
  ['secret:get:ci/*', 'secret:get:ci/*-prod', true],
  ['secret:get:ci/*', 'secret:get:ci/a/b', false],
  ['secret:get:ci/*', 'secret:get:ci/**', false],
  ['secret:get:ci/*', 'secret:get:ci', false],
  // * versus ** : a single-segment wildcard never covers many segments
  ['secret:get:ci/*/x', 'secret:get:ci/**/x', false],
  ['secret:get:*', 'secret:get:**', false],
  ['secret:get:**', 'secret:get:*', true],
  ['secret:get:**', 'secret:get:**', true],
  ['secret:get:**', 'secret:get:a/**/b', true],
  ['secret:get:ci/**', 'secret:get:ci/**', true],
  ['secret:get:ci/**', 'secret:get:ci/a/**', true],
  ['secret:get:ci/**', 'secret:get:ci/*', true],
  ['secret:get:ci/**', 'secret:get:ci/a/b/c', true],
  ['secret:get:ci/**', 'secret:get:ci', false],
  ['secret:get:ci/**', 'secret:get:**', false],
  ['secret:get:ci/**', 'secret:get:cid/x', false],
  ['secret:get:ci/**', 'secret:get:*/x', false],
  ['secret:get:ci/**/x', 'secret:get:ci/x', true],
  ['secret:get:ci/**/x', 'secret:get:ci/a/b/x', true],
  ['secret:get:ci/**/x', 'secret:get:ci/**/x', true],
  ['secret:get:ci/**/x', 'secret:get:ci/**', false],
  ['secret:get:ci/**/x', 'secret:get:ci/a/y', false],
  ['secret:get:**/x', 'secret:get:a/**/x', true],
  // partial segments: the caller's glob must cover Q's text, Q's * taken literally
  ['secret:get:ci/dep*', 'secret:get:ci/deploy', true],
  ['secret:get:ci/dep*', 'secret:get:ci/deploy*', true],
  ['secret:get:ci/dep*', 'secret:get:ci/*', false],
  ['secret:get:ci/dep*', 'secret:get:ci/de*', false],
  ['secret:get:ci/*-prod', 'secret:get:ci/*', false],
  ['secret:get:ci/a*b', 'secret:get:ci/a*b', true],
  ['secret:get:ci/a*b', 'secret:get:ci/ab*', false],
  ['secret:get:ci/a.b', 'secret:get:ci/a*b', false],
  // characters minimatch would read as wildcards are not scopes at all
  ['secret:get:ci/*', 'secret:get:ci/?', false],
  ['secret:get:ci/*', 'secret:get:ci/[a-z]', false],
  ['secret:get:ci/*', 'secret:get:ci/{a,b}', false],
  ['secret:get:**', 'secret:get:!(ci)', false],
  // actions
  ['secret:*:ci/**', 'secret:get:ci/a', true],
  ['secret:*:ci/**', 'secret:*:ci/a', true],
  ['secret:get:ci/**', 'secret:*:ci/a', false],
  ['secret:get:ci/**', 'secret:set:ci/a', false],
  ['secret:set:**', 'secret:get:ci/a', false],
  // resources
  ['secret:*:**', 'token:create:alice', false],
  ['token:create:ci/**', 'token:create:ci/task-1', true],
  ['token:*:**', 'token:revoke:anyone', true],
  ['audit:read:**', 'audit:read:ci/a', true],
  ['audit:read:ci/*', 'audit:read:**', false],
];

describe('scope coverage', () => {
  for (const [granted, requested, covered] of CASES) {
    it(`${granted} ${covered ? 'covers' : 'does not cover'} ${requested}`, () => {
      assert.equal(scopeCovers(granted, requested), covered);
    });
  }

  it('refuses what a naive minimatch check would wrongly accept', () => {
    // minimatch reads the requested pattern as a path and says "matches"; coverage must not.
    assert.equal(minimatch('ci/?', 'ci/*'), true);
    assert.equal(scopeCovers('secret:get:ci/*', 'secret:get:ci/?'), false);
    assert.equal(minimatch('ci/**', 'ci/*'), true);
    assert.equal(scopeCovers('secret:get:ci/*', 'secret:get:ci/**'), false);
  });

  it('is sound: every key a covered pattern grants, the caller is granted too', () => {
    const keys = [
      'ci',
      'ci/a',
      'ci/a/b',
      'ci/a/b/x',
      'ci/x',
      'ci/deploy',
      'ci/deploy/x',
      'cid/x',
      'ci/ab',
      'ci/a-prod',
      'x',
      'a/b/x',
      '.h/x',
    ];
    for (const [granted, requested] of CASES) {
      if (!scopeCovers(granted, requested)) continue;
      const parent = new GrantSet([granted]);
      const child = new GrantSet([requested]);
      for (const key of keys) {
        for (const action of ['get', 'set', 'delete', 'list', 'history']) {
          if (child.allows('secret', action, key))
            assert.ok(parent.allows('secret', action, key), `${requested} reaches ${key} beyond ${granted}`);
        }
      }
    }
  });

  it('names the uncovered patterns among several', () => {
    assert.deepEqual(
      uncoveredScopes(['secret:get:ci/**', 'secret:list:**'], ['secret:get:ci/a', 'secret:set:ci/a', 'secret:list:x', 'secret:get:prod/a']),
      ['secret:set:ci/a', 'secret:get:prod/a'],
    );
  });

  // Without memoisation this case takes exponential time; the timeout catches that, not a speed target.
  it('answers for patterns full of ** without exponential blow-up', { timeout: 10_000 }, () => {
    const many = Array.from({ length: 60 }, () => '**').join('/');
    const requested = `${Array.from({ length: 300 }, (_, i) => `s${i}`).join('/')}/end`;
    assert.equal(scopeCovers(`secret:get:${many}/nomatch`, `secret:get:${requested}`), false);
  });
});
