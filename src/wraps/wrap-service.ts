/**
 * One-time hand-off. A wrap holds an encrypted copy of a value (a secret's
 * current value, frozen at wrapping, or one the creator supplied) that one
 * reader takes, once, with the wrap token; the token is the credential,
 * and only its hash is kept. Taking deletes the wrap in the statement that
 * reads it, so of concurrent unwraps, on any replica, exactly one succeeds.
 */
import type { Actor } from '../audit/audit-storage';
import type { AuditLog } from '../audit/audit-log';
import type { Clock } from '../common/clock';
import type { Envelope } from '../crypto/envelope';
import type { WrapQuota } from '../config';
import { InvalidRequest, WrapQuotaExceeded, WrapTokenNotFound, WrapTooLarge } from '../errors';
import type { SecretService, SecretValue } from '../secrets/secret-service';
import type { WrapInfo, WrapStorage } from './wrap-storage';
import { newWrapId, newWrapToken, wrapTokenHash } from './wrap-tokens';

export interface WrapRequest {
  readonly key?: string;
  readonly value?: SecretValue;
  readonly ttlSeconds: number;
}

export interface CreatedWrap {
  readonly wrapToken: string;
  readonly key: string | null;
  readonly expiresAt: number;
}

export interface UnwrappedValue extends WrapInfo {
  readonly value: SecretValue;
}

export class WrapService {
  constructor(
    private readonly deps: {
      secrets: Pick<SecretService, 'get'>;
      storage: WrapStorage;
      envelope: Envelope;
      clock: Clock;
      maxTtlSeconds: number;
      quota: WrapQuota;
      audit: Pick<AuditLog, 'kick'>;
    },
  ) {}

  checkTtl(ttlSeconds: number): number {
    if (ttlSeconds > this.deps.maxTtlSeconds) throw new InvalidRequest(`ttl must be at most ${this.deps.maxTtlSeconds} seconds`);
    return ttlSeconds;
  }

  /** Wraps a copy of the secret's current value (404/410 as a read would), or the value given; never past the secret's expiry. */
  async create(request: WrapRequest, creator: string, actor: Actor): Promise<CreatedWrap> {
    const { secrets, storage, envelope, clock, audit } = this.deps;
    const now = clock.now();
    const secret = request.key === undefined ? undefined : await secrets.get(request.key);
    const value = secret?.value ?? request.value;
    if (value === undefined) throw new InvalidRequest('give exactly one of key and value');
    const key = request.key ?? null;
    const expiresAt = Math.min(now + this.checkTtl(request.ttlSeconds) * 1000, secret?.expiresAt ?? Infinity);
    const id = newWrapId();
    const wrapToken = newWrapToken();
    const encrypted = await envelope.encrypt(Buffer.from(JSON.stringify(value), 'utf8'), { wrapId: id });
    const { quota } = this.deps;
    if (encrypted.ciphertext.length > quota.bytes) throw new WrapTooLarge(quota.bytes);
    const refused = await storage.createWrap(
      { id, tokenHash: wrapTokenHash(wrapToken), key, creator, createdAt: now, expiresAt, encrypted },
      [{ ...actor, time: now, action: 'wrap.create', key, outcome: 201 }],
      quota,
    );
    if (refused) {
      const limit =
        refused.exceeded === 'wraps'
          ? `${quota.wraps} live wraps (SECRETS_WRAP_QUOTA_WRAPS)`
          : `${quota.bytes} bytes in live wraps (SECRETS_WRAP_QUOTA_BYTES)`;
      // Room comes back when the first live wrap expires, if none is unwrapped before.
      const retryAfter = Math.max(1, Math.ceil(((refused.usage.soonestExpiry ?? now) - now) / 1000));
      throw new WrapQuotaExceeded(`${creator} holds its quota of ${limit}: unwrap or let some expire first`, retryAfter);
    }
    audit.kick();
    return { wrapToken, key, expiresAt };
  }

  /** The value, once: a used, expired or unknown token is WrapTokenNotFound alike. */
  async unwrap(wrapToken: string, actor: Actor): Promise<UnwrappedValue> {
    const { storage, envelope, clock, audit } = this.deps;
    const wrap = await storage.takeWrap(wrapTokenHash(wrapToken), clock.now(), actor);
    if (!wrap) throw new WrapTokenNotFound();
    audit.kick();
    const plaintext = await envelope.decrypt(wrap.encrypted, { wrapId: wrap.id });
    const { encrypted: _encrypted, ...info } = wrap;
    return { ...info, value: JSON.parse(plaintext.toString('utf8')) as SecretValue };
  }

  async lookup(wrapToken: string): Promise<WrapInfo> {
    const found = await this.deps.storage.find(wrapTokenHash(wrapToken), this.deps.clock.now());
    if (!found) throw new WrapTokenNotFound();
    return found;
  }
}
