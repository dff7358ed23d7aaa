/**
 * The rules of secrets: versions, expiry, preconditions, history and
 * listing. Storage is behind SecretReads; sealing behind Envelope.
 */
import type { Actor } from '../audit/audit-storage';
import type { AuditLog } from '../audit/audit-log';
import type { Clock } from '../common/clock';
import type { Envelope } from '../crypto/envelope';
import { InvalidRequest, SecretExpired, SecretNotFound, Unavailable } from '../errors';
import type { GrantSet } from '../scopes/grant-set';
import type { ContinuationTokens } from './continuation-tokens';
import { listableRanges } from './listing-ranges';
import { walkRanges } from './range-walk';
import { checkPreconditions, type Preconditions } from './preconditions';
import type { EncryptedSecret, Expected, SecretRecord, SecretStorage } from './secret-storage';

export type SecretValue = Record<string, unknown>;

export interface SecretWithValue extends SecretRecord {
  readonly value: SecretValue;
}

export interface ListPage {
  readonly secrets: SecretRecord[];
  readonly continuationToken?: string;
}

export interface ListRequest {
  readonly prefix: string;
  readonly limit: number;
  readonly continuationToken?: string;
  /** The caller's scopes: what it may list, and where such keys can lie. */
  readonly grants: Pick<GrantSet, 'allows' | 'targetsFor'>;
}

type Storage = Pick<SecretStorage, 'getCurrent' | 'getRecord' | 'getVersion' | 'listRange' | 'put' | 'delete'>;

/** How often a write plans again when concurrent writes keep coming first. */
const MAX_WRITE_ATTEMPTS = 32;

function expectedOf(existing: SecretRecord | undefined): Expected {
  return existing ? { version: existing.version, expiresAt: existing.expiresAt } : null;
}

/** How long one listing request may read before it returns a shorter page (wall time, not the injected clock). */
const LIST_TIME_BUDGET_MS = 50;
const MIN_LIST_BATCH = 100;
const MAX_LIST_BATCH = 1000;

export class SecretService {
  private readonly storage: Storage;
  private readonly envelope: Envelope;
  private readonly clock: Clock;
  private readonly continuation: ContinuationTokens;
  private readonly historyVersions: number;
  private readonly audit: Pick<AuditLog, 'kick'>;

  constructor(deps: {
    storage: Storage;
    envelope: Envelope;
    clock: Clock;
    continuation: ContinuationTokens;
    historyVersions: number;
    audit: Pick<AuditLog, 'kick'>;
  }) {
    this.audit = deps.audit;
    this.storage = deps.storage;
    this.envelope = deps.envelope;
    this.clock = deps.clock;
    this.continuation = deps.continuation;
    this.historyVersions = deps.historyVersions;
  }

  /** `expiresAt`, unless it is not in the future. */
  checkExpiry(expiresAt: number): number {
    if (expiresAt <= this.clock.now()) throw new InvalidRequest('expires must be in the future');
    return expiresAt;
  }

  /**
   * Creates or replaces; an expired secret counts as absent and starts over
   * at version 1. The write's `secret.write` event commits with it. Planned
   * on the record as read, committed only if it is still so: a concurrent
   * write makes it plan again (and a precondition may then fail).
   */
  async put(
    key: string,
    value: SecretValue,
    expiresAt: number,
    preconditions: Preconditions,
    actor: Actor,
  ): Promise<{ created: boolean; record: SecretRecord }> {
    const now = this.clock.now();
    this.checkExpiry(expiresAt);
    const plaintext = Buffer.from(JSON.stringify(value), 'utf8');
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      // Metadata alone: a write needs the version and expiry it replaces, not the value.
      const existing = await this.storage.getRecord(key);
      const live = existing && existing.expiresAt > now ? existing : undefined;
      checkPreconditions(preconditions, live?.version);
      const version = live ? live.version + 1 : 1;
      const record: SecretRecord = { key, version, createdAt: live?.createdAt ?? now, updatedAt: now, expiresAt };
      const encrypted = await this.envelope.encrypt(plaintext, { key, version });
      const created = live === undefined;
      const events = [{ ...actor, time: now, action: 'secret.write' as const, key, outcome: created ? 201 : 200 }];
      if (await this.storage.put({ expected: expectedOf(existing), record, encrypted, keepVersions: this.historyVersions, events })) {
        this.audit.kick();
        return { created, record };
      }
    }
    throw new Unavailable('the secret kept changing under concurrent writes; try again');
  }

  async get(key: string, version?: number): Promise<SecretWithValue> {
    const found = version === undefined ? await this.storage.getCurrent(key) : await this.storage.getVersion(key, version);
    if (!found) throw new SecretNotFound();
    if (found.expiresAt <= this.clock.now()) throw new SecretExpired();
    return this.open(found);
  }

  /** Deletes with all history, and its `secret.delete` event; an expired, unswept secret is deleted too. */
  async delete(key: string, preconditions: Preconditions, actor: Actor): Promise<void> {
    const now = this.clock.now();
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const existing = await this.storage.getRecord(key);
      if (!existing) throw new SecretNotFound();
      checkPreconditions(preconditions, existing.expiresAt > now ? existing.version : undefined);
      const events = [{ ...actor, time: now, action: 'secret.delete' as const, key, outcome: 204 }];
      if (await this.storage.delete({ key, expected: { version: existing.version, expiresAt: existing.expiresAt }, events })) {
        this.audit.kick();
        return;
      }
    }
    throw new Unavailable('the secret kept changing under concurrent writes; try again');
  }

  /**
   * One page of live secrets the caller may list. Only the key ranges the
   * caller's list patterns can reach are read, a batch at a time, yielding
   * between batches; when the time budget runs out first, the page is
   * short and carries a token to go on from the last key read.
   */
  async list(request: ListRequest): Promise<ListPage> {
    const { prefix, limit, grants } = request;
    const after = request.continuationToken === undefined ? undefined : this.continuation.resume(request.continuationToken, prefix);
    const now = this.clock.now();
    const page = await walkRanges({
      ranges: listableRanges(prefix, grants.targetsFor('secret', 'list')).filter((range) => after === undefined || after < range.to),
      after,
      limit,
      batchSize: Math.min(MAX_LIST_BATCH, Math.max(limit + 1, MIN_LIST_BATCH)),
      budgetMs: LIST_TIME_BUDGET_MS,
      read: (range, from, batch) => this.storage.listRange(range, from, batch),
      positionOf: (row) => row.key,
      keep: (row) => row.expiresAt > now && grants.allows('secret', 'list', row.key),
    });
    const resumeAfter = page.resumeAfter;
    return resumeAfter === undefined
      ? { secrets: page.rows }
      : { secrets: page.rows, continuationToken: this.continuation.issue(prefix, resumeAfter) };
  }

  private async open(found: EncryptedSecret): Promise<SecretWithValue> {
    const plaintext = await this.envelope.decrypt(found.encrypted, { key: found.key, version: found.version });
    const { encrypted: _encrypted, ...record } = found;
    return { ...record, value: JSON.parse(plaintext.toString('utf8')) as SecretValue };
  }
}
