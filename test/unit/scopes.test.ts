import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { grantedScopeProblem } from '../../src/scopes/grammar';
import { GrantSet } from '../../src/scopes/grant-set';

describe('scope matching', () => {
  // [granted pattern, required literal scope, allowed?]
  const CASES: Array<[string, string, boolean]> = [
    ['secret:get:ci/a', 'secret:get:ci/a', true],
    ['secret:get:ci/a', 'secret:get:ci/b', false],
    ['secret:get:ci/a', 'secret:get:ci/a/b', false],
    ['secret:get:ci/a', 'secret:get:CI/a', false],
    ['secret:get:ci/*', 'secret:get:ci/a', true],
    ['secret:get:ci/*', 'secret:get:ci/a/b', false],
    ['secret:get:ci/*', 'secret:get:ci', false],
    ['secret:get:ci/*', 'secret:get:ci/.hidden', true],
    ['secret:get:ci/**', 'secret:get:ci/a', true],
    ['secret:get:ci/**', 'secret:get:ci/a/b/c', true],
    ['secret:get:ci/**', 'secret:get:ci', false],
    ['secret:get:ci/**', 'secret:get:cid/x', false],
    ['secret:get:ci/**', 'secret:get:ci/.x/.y', true],
    ['secret:get:**', 'secret:get:anything/at/all', true],
    ['secret:get:**', 'secret:get:a', true],
    ['secret:get:*', 'secret:get:a', true],
    ['secret:get:*', 'secret:get:a/b', false],
    ['secret:get:ci/*/aws', 'secret:get:ci/deploy/aws', true],
    ['secret:get:ci/*/aws', 'secret:get:ci/deploy/gcp', false],
    ['secret:get:ci/*/aws', 'secret:get:ci/a/b/aws', false],
    ['secret:get:ci/**/aws', 'secret:get:ci/aws', true],
    ['secret:get:ci/**/aws', 'secret:get:ci/a/b/aws', true],
    ['secret:get:ci/**/aws', 'secret:get:ci/a/b/gcp', false],
    ['secret:get:**/aws', 'secret:get:x/y/aws', true],
    ['secret:get:ci/dep*', 'secret:get:ci/deploy', true],
    ['secret:get:ci/dep*', 'secret:get:ci/dep', true],
    ['secret:get:ci/dep*', 'secret:get:ci/de', false],
    ['secret:get:ci/dep*', 'secret:get:ci/deploy/x', false],
    ['secret:get:ci/*-prod', 'secret:get:ci/db-prod', true],
    ['secret:get:ci/*-prod', 'secret:get:ci/db-staging', false],
    ['secret:get:ci/a*b*c', 'secret:get:ci/aXbYc', true],
    ['secret:get:ci/a*b*c', 'secret:get:ci/acb', false],
    ['secret:*:ci/**', 'secret:get:ci/a', true],
    ['secret:*:ci/**', 'secret:delete:ci/a', true],
    ['secret:*:ci/**', 'secret:history:ci/a', true],
    ['secret:*:**', 'token:create:alice', false],
    ['secret:set:ci/**', 'secret:get:ci/a', false],
    ['secret:get:ci/**', 'secret:list:ci/a', false],
    ['token:create:ci/**', 'token:create:ci/task-1', true],
    ['token:create:ci/**', 'token:create:prod/task-1', false],
    ['audit:read:**', 'audit:read:ci/a', true],
    ['audit:*:ci/*', 'audit:read:ci/a', true],
    ['secret:get:ci/../prod/*', 'secret:get:prod/x', false],
    ['secret:get:ci/./x', 'secret:get:ci/x', false],
    ['secret:get:ci.prod', 'secret:get:ciXprod', false],
    ['secret:get:ci/a.b', 'secret:get:ci/a.b', true],
  ];

  for (const [granted, required, allowed] of CASES) {
    it(`${granted} ${allowed ? 'grants' : 'does not grant'} ${required}`, () => {
      assert.equal(new GrantSet([granted]).allowsScope(required), allowed);
    });
  }

  it('allows when any one of several granted scopes matches', () => {
    const grants = new GrantSet(['secret:get:prod/*', 'secret:get:ci/**']);
    assert.equal(grants.allowsScope('secret:get:ci/a/b'), true);
    assert.equal(grants.allowsScope('secret:get:dev/a'), false);
  });

  it('grants nothing with no scopes', () => {
    assert.equal(new GrantSet([]).allowsScope('secret:get:a'), false);
  });
});

describe('granted scope grammar', () => {
  const VALID = [
    'secret:get:a',
    'secret:*:**',
    'token:create:ci/**',
    'token:revoke:alice',
    'audit:read:**',
    'secret:history:a/*/b',
    'secret:list:*.json',
    `secret:get:${'a'.repeat(1024)}`,
  ];
  const INVALID: Array<[string, string]> = [
    ['secret:get', 'no target'],
    ['secret:get:', 'empty target'],
    ['secret', 'no action'],
    ['vault:get:a', 'unknown resource'],
    ['secret:read:a', 'unknown action'],
    ['secret:create:a', 'action of another resource'],
    ['constructor:get:a', 'inherited property name as resource'],
    ['secret:get:a//b', 'empty segment'],
    ['secret:get:/a', 'leading slash'],
    ['secret:get:a/', 'trailing slash'],
    ['secret:get:a/?', 'question mark'],
    ['secret:get:a/[ab]', 'character class'],
    ['secret:get:{a,b}', 'braces'],
    ['secret:get:!(a)', 'extglob'],
    ['secret:get:+(a)', 'extglob plus'],
    ['secret:get:@(a)', 'extglob at'],
    ['secret:get:#a', 'comment'],
    ['secret:get:a\\*', 'backslash'],
    ['secret:get:a**', 'partial globstar'],
    ['secret:get:**a/b', 'partial globstar at the start'],
    ['secret:get:***', 'triple star'],
    [`secret:get:${'a'.repeat(1025)}`, 'target over 1024 characters'],
  ];
  for (const scope of VALID) {
    it(`accepts ${scope.slice(0, 40)}`, () => assert.equal(grantedScopeProblem(scope), undefined));
  }
  for (const [scope, why] of INVALID) {
    it(`refuses ${why}: ${scope.slice(0, 40)}`, () => assert.notEqual(grantedScopeProblem(scope), undefined));
  }
  it('refuses a scope that is not a string', () => {
    assert.notEqual(grantedScopeProblem(42), undefined);
    assert.notEqual(grantedScopeProblem(null), undefined);
  });
});
