/**
 * Delegation and revocation. A derived token carries only
 * scopes its parent covers, never outlives it, and records its ancestry,
 * so that revoking any ancestor revokes it.
 */
import type { Actor } from '../audit/audit-storage';
import type { AuditLog } from '../audit/audit-log';
import type { Clock } from '../common/clock';
import { InsufficientScopes, InvalidRequest, ScopeEscalation, Unavailable } from '../errors';
import { keyProblem } from '../secrets/secret-key';
import { uncoveredScopes } from '../scopes/coverage';
import { grantedScopeProblem, scopeListProblem } from '../scopes/grammar';
import type { RevocationList } from './revocation-list';
import type { TokenMinter } from './token-signer';
import type { TokenStorage } from './token-storage';
import type { Principal } from './token-verifier';

export interface DeriveRequest {
  /** The new token's subject: the caller's own unless another is named. */
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly ttlSeconds: number;
}

/** A derive request's shape, read before the caller's scopes are looked at: InvalidRequest when it is wrong. */
export function deriveRequest(body: { subject?: string; scopes: readonly string[]; ttl: number }, caller: Principal): DeriveRequest {
  const subject = body.subject ?? caller.subject;
  const subjectProblem = keyProblem(subject);
  if (subjectProblem) throw new InvalidRequest(`subject: ${subjectProblem}`);
  for (const scope of body.scopes) {
    const problem = grantedScopeProblem(scope);
    if (problem) throw new InvalidRequest(problem);
  }
  const listProblem = scopeListProblem(body.scopes);
  if (listProblem) throw new InvalidRequest(listProblem);
  return { subject, scopes: body.scopes, ttlSeconds: body.ttl };
}

export interface DerivedToken {
  readonly token: string;
  readonly jti: string;
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
}

export class TokenService {
  /** Absent when only public keys are configured: then nothing can be derived. */
  private readonly signer?: TokenMinter;
  private readonly storage: Pick<TokenStorage, 'findIssued' | 'recordIssued' | 'revoke'>;
  private readonly audit: Pick<AuditLog, 'kick'>;
  private readonly revocations: Pick<RevocationList, 'add'>;
  private readonly clock: Clock;
  private readonly maxTtlSeconds: number;
  private readonly revoked?: (jti: string, actor: Actor) => Promise<unknown>;

  constructor(deps: {
    signer: TokenMinter | undefined;
    storage: Pick<TokenStorage, 'findIssued' | 'recordIssued' | 'revoke'>;
    revocations: Pick<RevocationList, 'add'>;
    clock: Clock;
    maxTtlSeconds: number;
    audit: Pick<AuditLog, 'kick'>;
    /** Told of each revocation once it is recorded: the leases the token, or one derived from it, drew are revoked too. */
    revoked?: (jti: string, actor: Actor) => Promise<unknown>;
  }) {
    this.audit = deps.audit;
    this.revoked = deps.revoked;
    this.signer = deps.signer;
    this.storage = deps.storage;
    this.revocations = deps.revocations;
    this.clock = deps.clock;
    this.maxTtlSeconds = deps.maxTtlSeconds;
  }

  /**
   * Signs and records a derived token; its `token.create` event commits with
   * the record. The route has checked `token:create:<subject>`; what stays
   * here is the domain's own rule: no scope the parent does not cover.
   */
  async derive(parent: Principal, request: DeriveRequest, actor: Actor): Promise<DerivedToken> {
    const { subject } = request;
    const uncovered = uncoveredScopes(parent.grants.scopes, request.scopes);
    if (uncovered.length > 0) throw new ScopeEscalation(uncovered);

    const nowSeconds = Math.floor(this.clock.now() / 1000);
    const parentLeft = Math.floor(parent.expiresAt / 1000) - nowSeconds;
    const ttlSeconds = Math.min(request.ttlSeconds, this.maxTtlSeconds, parentLeft);
    if (ttlSeconds < 1) throw new InvalidRequest("the caller's token expires too soon to derive from");

    if (!this.signer)
      throw new Unavailable('deriving tokens needs a signing key: run scoped-secrets keys signer rotate on the server host');
    const ancestors = parent.jti === undefined ? [...parent.ancestors] : [...parent.ancestors, parent.jti];
    const signed = await this.signer.sign({ subject, scopes: request.scopes, ttlSeconds, ancestors });
    const now = this.clock.now();
    const record = {
      jti: signed.jti,
      subject,
      kind: 'derived' as const,
      scopes: [...request.scopes],
      ancestors,
      createdAt: now,
      kid: signed.kid,
    };
    await this.storage.recordIssued({ ...record, expiresAt: signed.expiresAt }, [
      { ...actor, time: now, action: 'token.create', key: subject, outcome: 201 },
    ]);
    this.audit.kick();
    return { ...signed, subject, scopes: [...request.scopes] };
  }

  /**
   * Signs and records a token exchanged for a CI provider's ID token, with
   * no parent; its `token.exchange` event (the issuer, the ID token's
   * subject and the rules in `detail`, never a token) commits with the record.
   */
  async issueExchanged(
    grant: { subject: string; scopes: readonly string[]; ttlSeconds: number },
    actor: Actor,
    detail: string,
  ): Promise<DerivedToken> {
    if (!this.signer)
      throw new Unavailable('exchanging tokens needs a signing key: run scoped-secrets keys signer rotate on the server host');
    const ttlSeconds = Math.min(grant.ttlSeconds, this.maxTtlSeconds);
    const signed = await this.signer.sign({ subject: grant.subject, scopes: [...grant.scopes], ttlSeconds, ancestors: [] });
    const now = this.clock.now();
    await this.storage.recordIssued(
      {
        jti: signed.jti,
        subject: grant.subject,
        kind: 'exchanged',
        scopes: [...grant.scopes],
        ancestors: [],
        createdAt: now,
        expiresAt: signed.expiresAt,
        kid: signed.kid,
      },
      [{ ...actor, time: now, action: 'token.exchange', key: grant.subject, outcome: 201, detail }],
    );
    this.audit.kick();
    return { ...signed, subject: grant.subject, scopes: [...grant.scopes] };
  }

  /**
   * A caller may revoke its own token and any derived from it;
   * `token:revoke:<subject>` revokes any recorded token of that subject;
   * a jti this server never minted needs `token:revoke:**`.
   */
  async revoke(caller: Principal, jti: string, actor: Actor): Promise<void> {
    const record = await this.storage.findIssued(jti);
    const own = caller.jti !== undefined && (jti === caller.jti || (record?.ancestors.includes(caller.jti) ?? false));
    const allowed =
      own ||
      (record !== undefined
        ? caller.grants.allows('token', 'revoke', record.subject)
        : uncoveredScopes(caller.grants.scopes, ['token:revoke:**']).length === 0);
    // The same answer whether or not the jti is known: a 403 reveals nothing about other tokens.
    if (!allowed) throw new InsufficientScopes(['token:revoke:<subject of that token>']);
    const expiresAt = record?.expiresAt ?? (jti === caller.jti ? caller.expiresAt : null);
    const now = this.clock.now();
    await this.storage.revoke({ jti, revokedAt: now, expiresAt }, [
      { ...actor, time: now, action: 'token.revoke', key: jti, outcome: 204 },
    ]);
    this.audit.kick();
    this.revocations.add(jti, expiresAt);
    await this.revoked?.(jti, actor);
  }
}
