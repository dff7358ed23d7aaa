/**
 * The keys that sign and verify this service's tokens, shared by every
 * replica through the database: each replica reloads them every few
 * seconds, so a rotation made anywhere reaches every replica well within
 * 30 s. Which key signs follows from the clock alone: a new key is
 * published when it is made and signs from its `signFrom`, so every
 * replica switches at the same moment, after every replica and every JWKS
 * cache has seen it. A superseded key verifies until its last token
 * expires, then leaves the key set, and tokens it signed are refused.
 *
 * Verification reads only the public halves held here; the HSM or KMS is
 * called for signing alone.
 */
import type { Logger } from 'pino';
import { createPublicKey } from 'node:crypto';
import type { Clock } from '../common/clock';
import { every, type Periodic } from '../common/periodic';
import { Unavailable } from '../errors';
import type { SigningKeyBackend } from './signing-key-backend';
import type { SigningKeyRecord, SigningKeyStorage } from './signing-key-storage';
import type { VerificationKey } from './signing-keys';
import type { SignedToken, TokenMinter, TokenRequest } from './token-signer';

/** How often a replica reloads the keys: a rotation reaches it within this, and a new key never signs sooner than twice this. */
export const SIGNING_KEYS_REFRESH_MS = 2_000;

export type SigningKeyState = 'published' | 'active' | 'verifying' | 'expired' | 'retired';

/** A key's state at `now`: published before it signs, active while it signs, verifying its last tokens, then expired until retired. */
export function stateOf(record: SigningKeyRecord, now: number, leewayMs: number): SigningKeyState {
  if (record.retiredAt !== undefined) return 'retired';
  if (record.supersededAt !== undefined && record.supersededAt <= now) {
    return now <= (record.verifyUntil ?? record.supersededAt) + leewayMs ? 'verifying' : 'expired';
  }
  return record.signFrom <= now ? 'active' : 'published';
}

/** The key that signs at `now`: of the active ones (two only for an instant, in a race of rotations), the newest. */
export function activeRecord(records: readonly SigningKeyRecord[], now: number, leewayMs: number): SigningKeyRecord | undefined {
  let newest: SigningKeyRecord | undefined;
  for (const record of records) {
    if (stateOf(record, now, leewayMs) === 'active' && (newest === undefined || record.signFrom > newest.signFrom)) newest = record;
  }
  return newest;
}

type Minter = TokenMinter & { close?(): void };

export class SigningKeySet implements TokenMinter {
  private records: readonly SigningKeyRecord[] = [];
  private verification: readonly VerificationKey[];
  private readonly publicKeys = new Map<string, VerificationKey>();
  private readonly minters = new Map<string, Promise<Minter>>();
  private timer?: Periodic;

  constructor(
    private readonly deps: {
      store: SigningKeyStorage;
      backend: SigningKeyBackend;
      clock: Clock;
      leewaySeconds: number;
      /** Keys from the configuration (SECRETS_JWT_SECRET, SECRETS_JWT_PUBLIC_KEYS), which verify beside these. */
      configuredKeys: readonly VerificationKey[];
      /** SECRETS_JWT_PRIVATE_KEY or the HS256 secret: signs while no key of the set is active (an install not moved yet). */
      fallback?: TokenMinter;
      /** Told when the keys that verify changed: the verifier drops what it cached. */
      onChange?: (keys: readonly VerificationKey[]) => void;
      logger?: Logger;
    },
  ) {
    this.verification = deps.configuredKeys;
  }

  /** Every key that may verify a live token: the configured ones, and this set's published, active and verifying keys. */
  verificationKeys(): readonly VerificationKey[] {
    return this.verification;
  }

  /** Every key, retired ones too, as last loaded. */
  all(): readonly SigningKeyRecord[] {
    return this.records;
  }

  /** True when a key of the set signs now; false when the configured fallback does, or nothing can. */
  get signsWithSet(): boolean {
    return activeRecord(this.records, this.deps.clock.now(), this.leewayMs) !== undefined;
  }

  private get leewayMs(): number {
    return this.deps.leewaySeconds * 1000;
  }

  async refresh(): Promise<void> {
    this.records = await this.deps.store.allSigningKeys();
    this.rebuild();
  }

  /** Recomputes the verifying keys for now; the verifier hears of it only when they changed. */
  private rebuild(): void {
    const now = this.deps.clock.now();
    const live = this.records.filter((record) => ['published', 'active', 'verifying'].includes(stateOf(record, now, this.leewayMs)));
    for (const kid of [...this.minters.keys()]) {
      if (!live.some((record) => record.kid === kid)) this.dropMinter(kid);
    }
    const keys = [...this.deps.configuredKeys, ...live.map((record) => this.publicKeyOf(record))];
    const changed = keys.length !== this.verification.length || keys.some((key, index) => key !== this.verification[index]);
    if (!changed) return;
    this.verification = keys;
    this.deps.onChange?.(keys);
  }

  private publicKeyOf(record: SigningKeyRecord): VerificationKey {
    let key = this.publicKeys.get(record.kid);
    if (!key) {
      key = { algorithm: record.algorithm, key: createPublicKey({ key: record.publicJwk, format: 'jwk' }), kid: record.kid };
      this.publicKeys.set(record.kid, key);
    }
    return key;
  }

  async sign(request: TokenRequest): Promise<SignedToken> {
    const now = this.deps.clock.now();
    const active = activeRecord(this.records, now, this.leewayMs);
    if (!active) {
      if (this.deps.fallback) return this.deps.fallback.sign(request);
      throw new Unavailable('no signing key: run scoped-secrets serve once to make one, or scoped-secrets keys signer rotate');
    }
    const signed = await (await this.minterOf(active)).sign(request);
    return { ...signed, kid: active.kid };
  }

  /**
   * Signs a token no record keeps (a root token, `token create`): the key
   * that signs it is kept verifying at least until that token expires.
   */
  async signOffline(request: TokenRequest): Promise<SignedToken> {
    const signed = await this.sign(request);
    if (signed.kid !== undefined) await this.deps.store.extendSigningKey(signed.kid, signed.expiresAt);
    return signed;
  }

  private minterOf(record: SigningKeyRecord): Promise<Minter> {
    let minter = this.minters.get(record.kid);
    if (!minter) {
      minter = this.deps.backend.minter(record);
      this.minters.set(record.kid, minter);
      // A minter that could not be made (the HSM is down) is made again on the next token.
      minter.catch(() => this.minters.delete(record.kid));
    }
    return minter.catch((error: unknown) => {
      if (error instanceof Unavailable) throw error;
      throw new Unavailable(`the signing key ${record.kid} cannot sign now (${(error as Error).message}); try again shortly`);
    });
  }

  private dropMinter(kid: string): void {
    const minter = this.minters.get(kid);
    this.minters.delete(kid);
    void minter?.then((m) => m.close?.()).catch(() => undefined);
  }

  start(intervalMs = SIGNING_KEYS_REFRESH_MS): void {
    this.timer ??= every(
      intervalMs,
      () => this.refresh(),
      (error) => this.deps.logger?.warn({ err: error }, 'could not reload the signing keys; keeping the last ones'),
    );
  }

  async stop(): Promise<void> {
    await this.timer?.stop();
    this.timer = undefined;
    for (const kid of [...this.minters.keys()]) this.dropMinter(kid);
  }

  /**
   * Retires the keys whose last token has expired: the backend deletes or
   * destroys the private half, then the store records it. A failure is
   * logged and tried again on the next sweep; the key verifies nothing
   * meanwhile. How many it retired.
   */
  async retireExpired(now: number): Promise<number> {
    let retired = 0;
    for (const record of this.records) {
      if (stateOf(record, now, this.leewayMs) !== 'expired') continue;
      try {
        this.dropMinter(record.kid);
        await this.deps.backend.retire(record);
        await this.deps.store.retireSigningKey(record.kid, now);
        retired++;
        this.deps.logger?.info({ kid: record.kid, provider: record.provider }, 'retired a signing key: its last token has expired');
      } catch (error) {
        await this.deps.store.countRetireAttempt(record.kid).catch(() => undefined);
        this.deps.logger?.warn(
          { kid: record.kid, provider: record.provider, attempts: record.retireAttempts + 1, err: error },
          'could not retire a signing key; trying again on the next sweep',
        );
      }
    }
    if (retired > 0) await this.refresh();
    return retired;
  }
}
