/**
 * Trust rules: which CI identities get which scopes. A rule matches a
 * verified ID token of its issuer when every listed claim is a string that
 * matches its pattern (the glob grammar of scope targets). Its scopes and
 * subject may hold `{claim}` placeholders, each a whole segment, filled
 * with the token's claim; a value that is not a valid key (a wildcard,
 * `..`, a space, nothing, not a string) makes the rule not match, so a
 * claim can never widen a pattern. Pure: no I/O.
 */
import { keyProblem } from '../secrets/secret-key';
import { scopeCovers } from '../scopes/coverage';
import { grantedScopeProblem, MAX_TARGET_LENGTH, scopeListProblem } from '../scopes/grammar';
import { TargetPattern } from '../scopes/target-pattern';

export interface TrustRuleBody {
  readonly issuer: string;
  readonly claims: Readonly<Record<string, string>>;
  readonly scopes: readonly string[];
  readonly subject?: string;
  readonly ttl: number;
  readonly description?: string;
}

export interface TrustRule extends TrustRuleBody {
  readonly name: string;
}

/** What the deciding rule grants one ID token. */
export interface Grant {
  readonly scopes: string[];
  readonly subject: string;
  readonly ttlSeconds: number;
  readonly rule: string;
}

export const MIN_RULE_TTL = 60;
const MAX_CLAIMS = 32;
const MAX_DESCRIPTION = 1024;
const CLAIM_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const PLACEHOLDER_SEGMENT = /^\{([A-Za-z_][A-Za-z0-9_.-]{0,127})\}$/;
/** Stands for a placeholder's value when a rule is checked for grammar. */
const SAMPLE_SEGMENT = 'claim-value';

/** The `/`-separated segments of `text` that are placeholders, or a problem when a brace sits anywhere else. */
function placeholderSegments(text: string, where: string): { names: string[]; problem?: string } {
  const names: string[] = [];
  for (const segment of text.split('/')) {
    const name = PLACEHOLDER_SEGMENT.exec(segment)?.[1];
    if (name !== undefined) names.push(name);
    else if (/[{}]/.test(segment)) return { names, problem: `${where}: a placeholder must be a whole segment, such as ci/{repository}/**` };
  }
  return { names };
}

/** `text` with every placeholder segment replaced by `replace(name)`. */
function fill(text: string, replace: (name: string) => string): string {
  return text
    .split('/')
    .map((segment) => {
      const name = PLACEHOLDER_SEGMENT.exec(segment)?.[1];
      return name === undefined ? segment : replace(name);
    })
    .join('/');
}

/** Why `body` is not a rule that can be stored, or undefined. */
export function trustRuleProblem(body: TrustRuleBody, limits: { issuers: ReadonlySet<string>; maxTtlSeconds: number }): string | undefined {
  if (!limits.issuers.has(body.issuer))
    return `issuer: "${body.issuer}" is not one of the configured issuers (${[...limits.issuers].join(', ') || 'none'})`;
  const claims = Object.entries(body.claims);
  if (claims.length === 0) return 'claims: at least one claim must be matched';
  if (claims.length > MAX_CLAIMS) return `claims: at most ${MAX_CLAIMS}`;
  for (const [name, pattern] of claims) {
    if (!CLAIM_NAME.test(name)) return `claims: "${name}" is not a claim name`;
    const problem = grantedScopeProblem(`secret:get:${pattern}`);
    if (problem) return `claims.${name}: not a pattern of the scope target grammar`;
  }
  if (body.scopes.length === 0) return 'scopes: at least one scope';
  for (const scope of body.scopes) {
    const { problem } = placeholderSegments(scope, `scopes: "${scope}"`);
    if (problem) return problem;
    const sample = fill(scope, () => SAMPLE_SEGMENT);
    const grammar = grantedScopeProblem(sample);
    if (grammar) return `scopes: ${grammar.replace(sample, scope)}`;
  }
  const listProblem = scopeListProblem(body.scopes);
  if (listProblem) return `scopes: ${listProblem}`;
  if (body.subject !== undefined) {
    const { problem } = placeholderSegments(body.subject, 'subject');
    if (problem) return problem;
    if (keyProblem(fill(body.subject, () => SAMPLE_SEGMENT))) return 'subject: must follow the key grammar, placeholders aside';
  }
  if (!Number.isInteger(body.ttl) || body.ttl < MIN_RULE_TTL || body.ttl > limits.maxTtlSeconds) {
    return `ttl: a whole number of seconds from ${MIN_RULE_TTL} to ${limits.maxTtlSeconds}`;
  }
  if (body.description !== undefined && body.description.length > MAX_DESCRIPTION)
    return `description: at most ${MAX_DESCRIPTION} characters`;
  return undefined;
}

/** The widest scopes the rule can grant, each placeholder read as `**`: what its writer must cover. */
export function widestScopes(rule: Pick<TrustRuleBody, 'scopes'>): string[] {
  return rule.scopes.map((scope) => fill(scope, () => '**'));
}

/**
 * The scope its writer needs for the rule's subject: `token:create` for it,
 * each placeholder read as `**`, as for a derived token of that subject.
 * The default subject, `<issuer>/<rule name>`, is the rule's own and needs none,
 * as a derived token's default (the caller's own subject) needs none.
 */
export function subjectScope(rule: Pick<TrustRuleBody, 'subject'>): string | undefined {
  return rule.subject === undefined ? undefined : `token:create:${fill(rule.subject, () => '**')}`;
}

/** A claim value a pattern may be matched against: a non-empty string without wildcards, spaces, or empty, `.` or `..` segments. */
function matchableClaim(value: unknown): value is string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_TARGET_LENGTH) return false;
  if (/[*\s\p{Cc}]/u.test(value)) return false;
  return value.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** What one rule grants these claims of its issuer's token, or undefined when it does not match. */
export function matchRule(rule: TrustRule, issuerName: string, claims: Readonly<Record<string, unknown>>): Omit<Grant, 'rule'> | undefined {
  if (rule.issuer !== issuerName) return undefined;
  for (const [name, pattern] of Object.entries(rule.claims)) {
    const value = Object.hasOwn(claims, name) ? claims[name] : undefined;
    if (!matchableClaim(value) || !new TargetPattern(pattern).matches(value)) return undefined;
  }
  // Every placeholder value must be a key: then it can only ever fill segments, never add a wildcard.
  let unusable = false;
  const value = (name: string): string => {
    const claim = Object.hasOwn(claims, name) ? claims[name] : undefined;
    if (typeof claim !== 'string' || keyProblem(claim) !== undefined) {
      unusable = true;
      return SAMPLE_SEGMENT;
    }
    return claim;
  };
  const scopes = rule.scopes.map((scope) => fill(scope, value));
  const subject = rule.subject === undefined ? `${issuerName}/${rule.name}` : fill(rule.subject, value);
  if (unusable || scopes.some((scope) => grantedScopeProblem(scope) !== undefined) || keyProblem(subject) !== undefined) return undefined;
  // Checked again as at writing: the subject is one its writer could mint a token for.
  const needed = subjectScope(rule);
  if (needed !== undefined && !scopeCovers(needed, `token:create:${subject}`)) return undefined;
  return { scopes, subject, ttlSeconds: rule.ttl };
}

/**
 * Whether every identity that rule `narrow` matches is also matched by rule
 * `wide`: the same issuer, and every claim `wide` checks is checked by
 * `narrow` with a pattern that `wide`'s covers (the coverage of scope
 * targets). Sound, like delegation's coverage: it may call two rules
 * incomparable when they are not, never the other way round.
 */
export function ruleCoveredBy(narrow: Pick<TrustRule, 'issuer' | 'claims'>, wide: Pick<TrustRule, 'issuer' | 'claims'>): boolean {
  if (narrow.issuer !== wide.issuer) return false;
  return Object.entries(wide.claims).every(([name, pattern]) => {
    const narrower = Object.hasOwn(narrow.claims, name) ? narrow.claims[name] : undefined;
    return narrower !== undefined && scopeCovers(`secret:get:${pattern}`, `secret:get:${narrower}`);
  });
}

/** Why the exchange has no one rule to follow. */
export type NoDecision = 'none' | 'ambiguous';

/**
 * The one rule that decides what a verified ID token gets. Rules are written
 * by different teams, so they are never united: `named` alone is evaluated
 * when given; otherwise the most specific matching rule decides, the one
 * covered by every other match and covering none of them. No single such
 * rule is `ambiguous`, and the caller must name one.
 */
export function decidingGrant(
  rules: readonly TrustRule[],
  issuerName: string,
  claims: Readonly<Record<string, unknown>>,
  named?: string,
): Grant | NoDecision {
  const candidates = named === undefined ? rules : rules.filter((rule) => rule.name === named);
  const matched = candidates.flatMap((rule) => {
    const granted = matchRule(rule, issuerName, claims);
    return granted ? [{ rule, granted }] : [];
  });
  const [first, ...rest] = matched;
  if (first === undefined) return 'none';
  // Linear, however many rules others write: the only candidate is the last one found more specific than
  // the candidate before it; it decides if it is more specific than every other match.
  const moreSpecific = (x: TrustRule, y: TrustRule) => ruleCoveredBy(x, y) && !ruleCoveredBy(y, x);
  const candidate = rest.reduce((best, next) => (moreSpecific(next.rule, best.rule) ? next : best), first);
  const decides = matched.every((other) => other === candidate || moreSpecific(candidate.rule, other.rule));
  return decides ? { ...candidate.granted, rule: candidate.rule.name } : 'ambiguous';
}
