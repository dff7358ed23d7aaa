/**
 * Trust rules: which CI identities get which scopes. A rule matches a
 * verified ID token of its issuer when every listed claim is a string that
 * matches its pattern (the glob grammar of scope targets). Its scopes and
 * subject may hold `{claim}` placeholders, each a whole segment, filled
 * with the token's claim; a value that is not a valid key (a wildcard,
 * `..`, a space, nothing, not a string) makes the rule not match, so a
 * claim can never widen a pattern. Pure: no I/O.
 */
import { keyProblem } from '../keys';
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

/** What the matching rules grant one ID token. */
export interface Grant {
  readonly scopes: string[];
  readonly subject: string;
  readonly ttlSeconds: number;
  readonly rules: string[];
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
  if (!limits.issuers.has(body.issuer)) return `issuer: "${body.issuer}" is not one of the configured issuers (${[...limits.issuers].join(', ') || 'none'})`;
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
  if (body.description !== undefined && body.description.length > MAX_DESCRIPTION) return `description: at most ${MAX_DESCRIPTION} characters`;
  return undefined;
}

/** The widest scopes the rule can grant, each placeholder read as `**`: what its writer must cover. */
export function widestScopes(rule: Pick<TrustRuleBody, 'scopes'>): string[] {
  return rule.scopes.map((scope) => fill(scope, () => '**'));
}

/** A claim value a pattern may be matched against: a non-empty string without wildcards, spaces, or empty, `.` or `..` segments. */
function matchableClaim(value: unknown): value is string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_TARGET_LENGTH) return false;
  if (/[*\s\p{Cc}]/u.test(value)) return false;
  return value.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** What one rule grants these claims of its issuer's token, or undefined when it does not match. */
export function matchRule(rule: TrustRule, issuerName: string, claims: Readonly<Record<string, unknown>>): Omit<Grant, 'rules'> | undefined {
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
  return { scopes, subject, ttlSeconds: rule.ttl };
}

/**
 * What the rules together grant a verified token: the union of the scopes
 * of every matching rule, the subject of the first by name, the smallest
 * ttl. Undefined when none matches, or when the union is more than one
 * token may carry.
 */
export function grantFor(rules: readonly TrustRule[], issuerName: string, claims: Readonly<Record<string, unknown>>): Grant | undefined {
  const matched = [...rules]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((rule) => {
      const granted = matchRule(rule, issuerName, claims);
      return granted ? [{ rule: rule.name, ...granted }] : [];
    });
  const first = matched[0];
  if (!first) return undefined;
  const scopes = [...new Set(matched.flatMap((grant) => grant.scopes))];
  if (scopeListProblem(scopes)) return undefined;
  return { scopes, subject: first.subject, ttlSeconds: Math.min(...matched.map((grant) => grant.ttlSeconds)), rules: matched.map((grant) => grant.rule) };
}
