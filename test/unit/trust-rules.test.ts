/** Trust rules: validation, claim matching, placeholders that can never widen, escalation, and the one rule that decides. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decidingGrant,
  matchRule,
  ruleCoveredBy,
  subjectScope,
  trustRuleProblem,
  widestScopes,
  type TrustRule,
  type TrustRuleBody,
} from '../../src/federation/trust-rules';
import { uncoveredScopes } from '../../src/scopes/coverage';

const LIMITS = { issuers: new Set(['github', 'gitlab']), maxTtlSeconds: 3600 };

const RULE: TrustRule = {
  name: 'deploy',
  issuer: 'github',
  claims: { repository: 'acme/*', ref: 'refs/heads/main' },
  scopes: ['secret:get:ci/{repository}/**', 'secret:list:ci/{repository}/**'],
  subject: 'gh/{repository}',
  ttl: 900,
};

const CLAIMS = { repository: 'acme/widgets', ref: 'refs/heads/main', sub: 'repo:acme/widgets:ref:refs/heads/main' };

describe('trust rules', () => {
  it("fill placeholders with the token's claims, whole segments at a time", () => {
    assert.deepEqual(matchRule(RULE, 'github', CLAIMS), {
      scopes: ['secret:get:ci/acme/widgets/**', 'secret:list:ci/acme/widgets/**'],
      subject: 'gh/acme/widgets',
      ttlSeconds: 900,
    });
    assert.equal(
      matchRule({ ...RULE, subject: undefined }, 'github', CLAIMS)?.subject,
      'github/deploy',
      'the subject defaults to issuer/rule',
    );
  });

  it("match only when every claim matches, on the rule's own issuer", () => {
    assert.equal(matchRule(RULE, 'gitlab', CLAIMS), undefined);
    assert.equal(matchRule(RULE, 'github', { ...CLAIMS, ref: 'refs/heads/feature' }), undefined);
    assert.equal(matchRule(RULE, 'github', { ...CLAIMS, repository: 'evil/widgets' }), undefined);
    assert.equal(matchRule(RULE, 'github', { repository: 'acme/widgets' }), undefined, 'a missing claim never matches');
    const bySub = { ...RULE, claims: { sub: 'repo:acme/*:ref:refs/heads/main' } };
    assert.ok(matchRule(bySub, 'github', CLAIMS), 'colons are literal in a claim pattern');
  });

  for (const [why, value] of [
    ['a star', '*'],
    ['a double star', '**'],
    ['a double star under the pattern', 'acme/**'],
    ['a dot-dot segment', 'acme/..'],
    ['a dot-dot that would climb out', 'acme/../../prod'],
    ['a space', 'acme/wid gets'],
    ['an empty string', ''],
    ['a number', 42],
    ['an array', ['acme/widgets']],
    ['an object', { toString: 'acme/widgets' }],
    ['null', null],
  ] as const) {
    it(`do not match a claim value that is ${why}`, () => {
      assert.equal(matchRule(RULE, 'github', { ...CLAIMS, repository: value }), undefined);
      // Even where the pattern would accept anything, a placeholder value must be a key,
      // also where only a scope holds the placeholder and the subject cannot catch it.
      const open = { ...RULE, claims: { ref: 'refs/heads/main' } };
      assert.equal(matchRule(open, 'github', { ...CLAIMS, repository: value }), undefined);
      assert.equal(matchRule({ ...open, subject: undefined }, 'github', { ...CLAIMS, repository: value }), undefined);
    });
  }

  it('never produce a scope wider than the rule once filled', () => {
    const open = { ...RULE, claims: { ref: '**' } };
    for (const repository of ['acme/widgets', 'a/b/c/d', 'x']) {
      const granted = matchRule(open, 'github', { ...CLAIMS, repository });
      for (const scope of granted?.scopes ?? []) assert.ok(!scope.includes(`${repository}*`) && scope.startsWith(`secret:`), scope);
      assert.deepEqual(uncoveredScopes(widestScopes(open), granted?.scopes ?? []), [], 'what a match grants is within the widest reading');
    }
  });

  describe('one rule decides', () => {
    const rule = (name: string, claims: Record<string, string>, scopes = [`secret:get:ci/${name}/**`]): TrustRule => ({
      name,
      issuer: 'github',
      claims,
      scopes,
      ttl: 300,
    });
    const team = rule('team', { repository: 'acme/widgets', ref: 'refs/heads/main' });
    const catchAll = rule('catch-all', { repository: '**' }, ['secret:get:**']);
    const org = rule('org', { repository: 'acme/*' });

    it('X is covered by Y when every identity X matches, Y matches', () => {
      assert.equal(ruleCoveredBy(team, catchAll), true);
      assert.equal(ruleCoveredBy(team, org), true);
      assert.equal(ruleCoveredBy(org, catchAll), true);
      assert.equal(ruleCoveredBy(catchAll, team), false);
      assert.equal(ruleCoveredBy(org, team), false, 'org leaves ref open');
      assert.equal(ruleCoveredBy(team, { ...org, issuer: 'gitlab' }), false, 'another issuer');
      assert.equal(ruleCoveredBy(team, rule('actor', { actor: 'alice' })), false, 'a claim the narrower one does not check');
      assert.equal(ruleCoveredBy(team, team), true);
    });

    it('is the most specific match, whatever catch-all rules others write, with its own scopes, subject and ttl', () => {
      const grant = decidingGrant([catchAll, org, team], 'github', CLAIMS);
      assert.deepEqual(grant, { scopes: ['secret:get:ci/team/**'], subject: 'github/team', ttlSeconds: 300, rule: 'team' });
      assert.equal((decidingGrant([catchAll, org], 'github', CLAIMS) as { rule: string }).rule, 'org');
    });

    it('is ambiguous when no one match is the most specific, or two match alike', () => {
      const byActor = rule('by-actor', { repository: 'acme/widgets', actor: 'alice' });
      assert.equal(decidingGrant([team, byActor], 'github', { ...CLAIMS, actor: 'alice' }), 'ambiguous');
      assert.equal(decidingGrant([team, { ...team, name: 'twin' }], 'github', CLAIMS), 'ambiguous');
      assert.deepEqual(
        decidingGrant([team, byActor], 'github', { ...CLAIMS, actor: 'bob' }),
        decidingGrant([team], 'github', CLAIMS),
        'a rule that does not match takes no part',
      );
    });

    it('is the named rule alone when one is named, whatever else matches', () => {
      assert.equal((decidingGrant([catchAll, org, team], 'github', CLAIMS, 'catch-all') as { rule: string }).rule, 'catch-all');
      assert.equal(decidingGrant([catchAll, team], 'github', CLAIMS, 'missing'), 'none');
      assert.equal(
        decidingGrant([catchAll, team], 'github', { ...CLAIMS, repository: 'other/x' }, 'team'),
        'none',
        'a named rule that does not match',
      );
    });

    it('is never several rules united: a rule of 256 scopes decides for itself only', () => {
      const wide = rule(
        'wide',
        { repository: '**' },
        Array.from({ length: 256 }, (_, index) => `secret:get:ci/wide/${index}`),
      );
      assert.deepEqual((decidingGrant([wide, team], 'github', CLAIMS) as { scopes: string[] }).scopes, ['secret:get:ci/team/**']);
      assert.equal(decidingGrant([wide], 'github', CLAIMS) === 'none', false);
      assert.equal(decidingGrant([], 'github', CLAIMS), 'none');
    });
  });

  it('need token:create for an explicit subject, each placeholder read as **, and none for the default', () => {
    assert.equal(subjectScope(RULE), 'token:create:gh/**');
    assert.equal(subjectScope({ subject: 'root' }), 'token:create:root');
    assert.equal(subjectScope({ subject: undefined }), undefined);
  });

  it('read each placeholder as ** for the escalation check', () => {
    assert.deepEqual(widestScopes(RULE), ['secret:get:ci/**/**', 'secret:list:ci/**/**']);
    assert.deepEqual(uncoveredScopes(['secret:*:ci/**'], widestScopes(RULE)), [], 'a writer holding ci/** may write it');
    assert.deepEqual(
      uncoveredScopes(['secret:*:ci/acme/**'], widestScopes(RULE)),
      widestScopes(RULE),
      'ci/acme/** does not cover what any repository could fill',
    );
  });

  const body = (change: Partial<TrustRuleBody>): TrustRuleBody => ({ ...RULE, ...change });
  for (const [why, change, message] of [
    ['an unknown issuer', { issuer: 'circleci' }, /issuer/],
    ['no claims', { claims: {} }, /at least one claim/],
    ['a claim pattern outside the grammar', { claims: { repository: 'acme/[a-z]' } }, /claims.repository/],
    ['a claim name that is not one', { claims: { 'two words': 'x' } }, /claim name/],
    ['no scopes', { scopes: [] }, /at least one scope/],
    ['a placeholder inside a segment', { scopes: ['secret:get:ci/x{repository}'] }, /whole segment/],
    ['an unclosed brace', { scopes: ['secret:get:ci/{repository/**'] }, /whole segment/],
    ['an unknown action', { scopes: ['secret:steal:ci/**'] }, /unknown action/],
    ['a subject placeholder inside a segment', { subject: 'gh-{repository}' }, /whole segment/],
    ['a subject outside the key grammar', { subject: 'gh/{repository}/**' }, /subject/],
    ['a ttl under a minute', { ttl: 59 }, /ttl/],
    ['a ttl over the maximum', { ttl: 3601 }, /ttl/],
    ['a ttl that is not whole', { ttl: 90.5 }, /ttl/],
    ['a long description', { description: 'x'.repeat(1025) }, /description/],
  ] as const) {
    it(`refuse a rule with ${why}`, () => {
      assert.match(trustRuleProblem(body(change), LIMITS) ?? 'valid', message);
    });
  }

  it('accept a well-formed rule', () => {
    assert.equal(trustRuleProblem(RULE, LIMITS), undefined);
  });
});
