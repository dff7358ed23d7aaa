/**
 * Trust rules as administrators manage them, and the exchange of a CI
 * provider's ID token under them. Whoever writes a rule must cover every
 * scope it can grant and hold `token:create` for its subject, each
 * placeholder read as `**`: a rule is never a way around delegation's
 * no-escalation rule. One rule decides each exchange.
 */
import type { Actor } from '../audit/audit-storage';
import type { AuditLog } from '../audit/audit-log';
import type { Clock } from '../common/clock';
import {
  AmbiguousTrustRule,
  InvalidRequest,
  NoMatchingTrustRule,
  ScopeEscalation,
  TrustRuleNotFound,
  Unauthorized,
  Unavailable,
} from '../errors';
import { uncoveredScopes } from '../scopes/coverage';
import type { Principal } from '../tokens/token-verifier';
import type { DerivedToken, TokenService } from '../tokens/token-service';
import { IdTokenRejected, IssuerUnavailable, type IdTokenVerifier } from './id-token-verifier';
import type { TrustStorage } from './trust-storage';
import type { TrustRuleSet } from './trust-rule-set';
import { decidingGrant, subjectScope, trustRuleProblem, widestScopes, type TrustRule } from './trust-rules';

export interface ExchangedToken extends DerivedToken {
  readonly rules: string[];
}

/** What a caller is told of a configured issuer: how rules name it, where it is, the audience it must issue for. */
export interface IssuerInfo {
  readonly name: string;
  readonly issuer: string;
  readonly audience: string;
}

/** The rule name that GET /v1/trust/issuers takes for itself: the API answers 405 to a PUT there. */
export const ISSUERS_PATH_NAME = 'issuers';

export class TrustService {
  private readonly issuerNames: ReadonlySet<string>;

  constructor(
    private readonly deps: {
      storage: TrustStorage;
      rules: TrustRuleSet;
      verifier: Pick<IdTokenVerifier, 'verify'>;
      issuers: readonly IssuerInfo[];
      tokens: Pick<TokenService, 'issueExchanged'>;
      clock: Clock;
      maxTtlSeconds: number;
      audit: Pick<AuditLog, 'kick'>;
    },
  ) {
    this.issuerNames = new Set(deps.issuers.map((issuer) => issuer.name));
  }

  /** The issuers this server trusts ID tokens from, by name. */
  issuers(): IssuerInfo[] {
    return this.deps.issuers.map(({ name, issuer, audience }) => ({ name, issuer, audience }));
  }

  /** The 400 of a rule that cannot be stored, before any scope is looked at. */
  checkRule(rule: TrustRule): TrustRule {
    if (this.issuerNames.size === 0) {
      throw new InvalidRequest(
        'no OIDC issuer is configured on this server: list the CI providers to trust in a JSON file that SECRETS_OIDC_ISSUERS names ([{"name", "issuer", "audience"}]) and restart it',
      );
    }
    const problem = trustRuleProblem(rule, { issuers: this.issuerNames, maxTtlSeconds: this.deps.maxTtlSeconds });
    if (problem) throw new InvalidRequest(problem);
    return rule;
  }

  async put(caller: Principal, rule: TrustRule, actor: Actor): Promise<boolean> {
    const subject = subjectScope(rule);
    const uncovered = uncoveredScopes(caller.grants.scopes, [...widestScopes(rule), ...(subject === undefined ? [] : [subject])]);
    if (uncovered.length > 0) throw new ScopeEscalation(uncovered);
    const now = this.deps.clock.now();
    const created = await this.deps.storage.putRule(rule, now, { ...actor, time: now, action: 'trust.set', key: rule.name, outcome: 200 });
    this.deps.audit.kick();
    await this.deps.rules.refresh(true);
    return created;
  }

  async get(name: string): Promise<TrustRule> {
    const found = await this.deps.storage.find(name);
    if (!found) throw new TrustRuleNotFound();
    return found;
  }

  async list(caller: Principal): Promise<TrustRule[]> {
    return (await this.deps.storage.all()).filter((rule) => caller.grants.allows('trust', 'get', rule.name));
  }

  async delete(name: string, actor: Actor): Promise<void> {
    const now = this.deps.clock.now();
    if (!(await this.deps.storage.deleteRule(name, { ...actor, time: now, action: 'trust.delete', key: name, outcome: 204 })))
      throw new TrustRuleNotFound();
    this.deps.audit.kick();
    await this.deps.rules.refresh(true);
  }

  /**
   * A token of this service for a CI provider's ID token, under the rule
   * named or else the most specific match: 401 when it does not verify, 403
   * when no rule matches, 409 when no one matching rule is the most specific.
   */
  async exchange(idToken: string, ruleName: string | undefined, actor: Actor): Promise<ExchangedToken> {
    let verified;
    try {
      verified = await this.deps.verifier.verify(idToken);
    } catch (error) {
      if (error instanceof IdTokenRejected) throw new Unauthorized(`invalid ID token: ${error.message}`, true);
      if (error instanceof IssuerUnavailable) throw new Unavailable(error.message);
      throw error;
    }
    const grant = decidingGrant(this.deps.rules.current(), verified.issuer.name, verified.claims, ruleName);
    if (grant === 'none') throw new NoMatchingTrustRule();
    if (grant === 'ambiguous') throw new AmbiguousTrustRule();
    const detail = JSON.stringify({
      issuer: verified.issuer.name,
      sub: typeof verified.claims.sub === 'string' ? verified.claims.sub : null,
      rule: grant.rule,
    });
    const token = await this.deps.tokens.issueExchanged(grant, actor, detail);
    return { ...token, rules: [grant.rule] };
  }
}
