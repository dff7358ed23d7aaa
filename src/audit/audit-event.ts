/** What an audit event says, and the links of the chain that holds it (audit-chain.ts makes the links). */
export type AuditAction =
  | 'secret.read'
  | 'secret.write'
  | 'secret.delete'
  | 'secret.list'
  | 'secret.expired'
  | 'token.create'
  | 'token.revoke'
  | 'token.list'
  | 'token.exchange'
  | 'trust.set'
  | 'trust.delete'
  | 'wrap.create'
  | 'wrap.unwrap'
  | 'wrap.expired'
  | 'dynamic.configure'
  | 'dynamic.delete'
  | 'lease.create'
  | 'lease.renew'
  | 'lease.revoke'
  | 'lease.revoked'
  | 'lease.revoke_failed'
  | 'auth.denied';

/** What happened; never a value, a data key or a token. */
export interface AuditEventInput {
  readonly time: number;
  readonly subject: string | null;
  readonly jti: string | null;
  readonly action: AuditAction;
  readonly key: string | null;
  readonly outcome: number;
  readonly requestId: string | null;
  readonly client: string | null;
  /** What the event says beyond its key, when it has to (an exchange's issuer, ID-token subject and rules). */
  readonly detail?: string | null;
}

export interface AuditEvent extends AuditEventInput {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

export interface ChainLink {
  readonly seq: number;
  readonly hash: string;
}

/** Where verification starts: the genesis, or the last event retention purged, with a MAC that only the chain's key makes. */
export interface ChainAnchor extends ChainLink {
  readonly mac?: string;
}
