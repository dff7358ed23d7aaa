/** What keys signer status shows: each signing key, its state, and until when it verifies tokens. */
import type { Config } from '../config';
import { stateOf } from '../tokens/signing-key-set';
import type { SigningKeyRecord } from '../tokens/signing-key-storage';
import { configuredSigningKeySource } from '../tokens/token-keys';
import { AlignedTable } from './aligned-table';

export interface SigningKeyStatus {
  readonly keys: ReadonlyArray<{
    kid: string;
    provider: string;
    reference?: string;
    state: string;
    createdAt: string;
    signsFrom: string;
    signsUntil?: string;
    /** Tokens this key signed are accepted until then; absent while it signs. */
    verifiesUntil?: string;
    /** Unexpired tokens it signed that the service minted and recorded (offline ones are not recorded). */
    liveTokens: number;
    retiredAt?: string;
  }>;
  /** The key from the configuration (SECRETS_JWT_SECRET, SECRETS_JWT_PRIVATE_KEY, ./data/jwt-secret), when there is one. */
  readonly configuredKey?: string;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export function signingKeyStatus(
  records: readonly SigningKeyRecord[],
  liveTokens: ReadonlyMap<string, number>,
  config: Config,
  now: number,
): SigningKeyStatus {
  const leewayMs = config.jwtLeewaySeconds * 1000;
  const configuredKey = configuredSigningKeySource(config);
  return {
    keys: records.map((record) => ({
      kid: record.kid,
      provider: record.provider,
      ...(record.reference === undefined ? {} : { reference: record.reference }),
      state: stateOf(record, now, leewayMs),
      createdAt: iso(record.createdAt) as string,
      signsFrom: iso(record.signFrom) as string,
      ...(record.supersededAt === undefined ? {} : { signsUntil: iso(record.supersededAt) }),
      ...(record.supersededAt === undefined
        ? {}
        : { verifiesUntil: iso(Math.max(record.verifyUntil ?? 0, record.supersededAt) + leewayMs) }),
      ...(record.retiredAt === undefined ? {} : { retiredAt: iso(record.retiredAt) }),
      liveTokens: liveTokens.get(record.kid) ?? 0,
    })),
    ...(configuredKey === undefined ? {} : { configuredKey }),
  };
}

export function printSigningKeyStatus(status: SigningKeyStatus): void {
  const table = new AlignedTable(['KID', 'PROVIDER', 'STATE', 'SIGNS FROM', 'SIGNS UNTIL', 'VERIFIES TOKENS UNTIL', 'LIVE TOKENS']);
  for (const key of status.keys) {
    const until = key.state === 'retired' ? `retired ${key.retiredAt ?? ''}` : (key.verifiesUntil ?? '-');
    table.add([key.kid, key.provider, key.state, key.signsFrom, key.signsUntil ?? '-', until, String(key.liveTokens)]);
  }
  table.flush();
  if (status.keys.length === 0) process.stdout.write('no signing key in the database yet\n');
  if (status.configuredKey !== undefined) {
    const signs = !status.keys.some((key) => key.state === 'active');
    process.stdout.write(
      `${status.configuredKey} ${signs ? 'signs tokens now' : 'verifies the tokens it signed'}: move off it with keys signer rotate\n`,
    );
  }
}
