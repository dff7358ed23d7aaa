/**
 * Configuration is a pure function of the environment: parsed and checked
 * once, frozen, and passed down. A bad value stops start-up with one line
 * that names the variable.
 */
import path from 'node:path';
import { ConfigError } from './config-error';
import { parseDuration } from './common/durations';
import { loadPkcs11Token, loadSeal, type SealSettings } from './seal/seal-config';
import type { Pkcs11SignerSettings } from './tokens/pkcs11-token-signer';

export type DatabaseConfig =
  | { readonly client: 'sqlite'; readonly filename: string }
  | {
      readonly client: 'pg';
      readonly connectionString: string;
      /** SECRETS_DB_TIMEOUT: how long a connection attempt, a wait for a pooled connection or one statement may take. */
      readonly timeoutMs: number;
    };

export type RateLimitConfig = 'off' | { readonly perSecond: number; readonly burst: number };

export interface WrapQuota {
  readonly wraps: number;
  readonly bytes: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** JSON lines, readable lines, or readable on a terminal and JSON elsewhere. */
export type LogFormat = 'json' | 'text' | 'auto';

export interface Config {
  readonly dataDir: string;
  readonly db: DatabaseConfig;
  readonly host: string;
  readonly port: number;
  readonly workers: number;
  /** Absent until first start generates one under dataDir (see server/first-start). */
  readonly jwtSecret?: string;
  /** Where jwtSecret was read from, when an earlier version's first start generated it. */
  readonly jwtSecretFile?: string;
  readonly jwtPublicKeysFile?: string;
  readonly jwtIssuer?: string;
  readonly jwtAudience?: string;
  /** PEM text, or the path of a PEM file. */
  readonly jwtPrivateKey?: string;
  readonly jwtLeewaySeconds: number;
  /** How long clients may cache the JWKS: a rotated key is published at least this long before it signs. */
  readonly jwksMaxAgeSeconds: number;
  /**
   * SECRETS_SIGNER: what signs derived and exchanged tokens. `keyring` (the
   * default) is the configured key or secret; `pkcs11` an EC key pair in
   * an HSM, SECRETS_SIGNER_PKCS11_KEY_LABEL on the PKCS#11 token; `awskms`
   * a key in AWS KMS, SECRETS_SIGNER_AWSKMS_KEY_ID. Their private halves
   * never leave the HSM or KMS.
   */
  readonly signer:
    | { readonly provider: 'keyring' }
    | { readonly provider: 'awskms'; readonly keyId: string }
    | ({ readonly provider: 'pkcs11' } & Pkcs11SignerSettings);
  readonly keyringFile: string;
  /** SECRETS_SEAL: absent for `none`, the keyring file then holding its keys in plaintext. */
  readonly seal?: SealSettings;
  /** The CI providers whose ID tokens may be exchanged (a JSON file); none when unset. */
  readonly oidcIssuersFile?: string;
  readonly sweepIntervalMs: number;
  readonly maxSecretBytes: number;
  readonly maxTokenTtlSeconds: number;
  readonly maxWrapTtlSeconds: number;
  /** What one subject's live wraps may hold at once: a wrap is stored until it is unwrapped or expires. */
  readonly wrapQuota: WrapQuota;
  readonly historyVersions: number;
  readonly auditRetentionMs: number;
  readonly logLevel: LogLevel;
  /** SECRETS_LOG_FORMAT. */
  readonly logFormat: LogFormat;
  readonly rateLimitSubject: RateLimitConfig;
  readonly rateLimitAddress: RateLimitConfig;
  /** Deriving and revoking tokens, per subject: each leaves a row that every replica reads. */
  readonly rateLimitTokens: RateLimitConfig;
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  /** When set, /metrics answers only `Authorization: Bearer <this>`. */
  readonly metricsToken?: string;
}

export { ConfigError };

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const DATA_DIR = './data';

const SIGNERS = ['keyring', 'pkcs11', 'awskms'] as const;

function loadSigner(env: Env, read: (name: string) => string | undefined): Config['signer'] {
  const provider = read('SECRETS_SIGNER') ?? 'keyring';
  if (!(SIGNERS as readonly string[]).includes(provider)) throw new ConfigError('SECRETS_SIGNER', `must be ${SIGNERS.join(', ')}`);
  if (provider === 'keyring') return { provider };
  const keyVariable = provider === 'awskms' ? 'SECRETS_SIGNER_AWSKMS_KEY_ID' : 'SECRETS_SIGNER_PKCS11_KEY_LABEL';
  const key = read(keyVariable);
  if (key === undefined) throw new ConfigError(keyVariable, `must be set when SECRETS_SIGNER is ${provider}`);
  if (provider === 'awskms') return { provider, keyId: key };
  const retired = read('SECRETS_SIGNER_PKCS11_RETIRED') ?? 'destroy';
  if (retired !== 'destroy' && retired !== 'keep') throw new ConfigError('SECRETS_SIGNER_PKCS11_RETIRED', 'must be destroy or keep');
  return { provider: 'pkcs11', ...loadPkcs11Token(env, 'the pkcs11 signer'), keyLabel: key, retired };
}

export function loadConfig(env: Env): Config {
  const read = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const text = read(name);
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new ConfigError(name, `must be a whole number from ${min} to ${max}`);
    }
    return Number(text);
  };

  const jwtSecret = read('SECRETS_JWT_SECRET');
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret, 'utf8') < 32) {
    throw new ConfigError('SECRETS_JWT_SECRET', 'must be at least 32 bytes');
  }

  const sweepText = read('SECRETS_SWEEP_INTERVAL') ?? '60';
  const sweepSeconds = Number(sweepText);
  if (!/^\d+(\.\d+)?$/.test(sweepText) || !(sweepSeconds >= 0.05) || sweepSeconds > 86_400) {
    throw new ConfigError('SECRETS_SWEEP_INTERVAL', 'must be a number of seconds from 0.05 to 86400');
  }

  const dbTimeoutText = read('SECRETS_DB_TIMEOUT') ?? '5';
  const dbTimeoutSeconds = Number(dbTimeoutText);
  if (!/^\d+(\.\d+)?$/.test(dbTimeoutText) || !(dbTimeoutSeconds >= 0.5) || dbTimeoutSeconds > 60) {
    throw new ConfigError('SECRETS_DB_TIMEOUT', 'must be a number of seconds from 0.5 to 60');
  }

  const retentionText = read('SECRETS_AUDIT_RETENTION') ?? '90d';
  const auditRetentionMs = parseDuration(retentionText);
  if (auditRetentionMs === undefined) {
    throw new ConfigError('SECRETS_AUDIT_RETENTION', 'must be a duration such as 90d, 12h, 30m or 3600s');
  }

  const logFormat = (read('SECRETS_LOG_FORMAT') ?? 'auto') as LogFormat;
  if (!['json', 'text', 'auto'].includes(logFormat)) throw new ConfigError('SECRETS_LOG_FORMAT', 'must be json, text or auto');
  const logLevel = (read('SECRETS_LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('SECRETS_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const config: Config = {
    dataDir: DATA_DIR,
    db: parseDatabase(read('SECRETS_DB') ?? `sqlite:${DATA_DIR}/secrets.db`, Math.round(dbTimeoutSeconds * 1000)),
    host: read('SECRETS_HOST') ?? '127.0.0.1',
    port: integer('SECRETS_PORT', 8080, 0, 65_535),
    workers: integer('SECRETS_WORKERS', 1, 1, 64),
    jwtSecret,
    jwtPublicKeysFile: read('SECRETS_JWT_PUBLIC_KEYS'),
    jwtIssuer: read('SECRETS_JWT_ISSUER'),
    jwtAudience: read('SECRETS_JWT_AUDIENCE'),
    jwtPrivateKey: read('SECRETS_JWT_PRIVATE_KEY'),
    jwtLeewaySeconds: integer('SECRETS_JWT_LEEWAY', 0, 0, 60),
    jwksMaxAgeSeconds: integer('SECRETS_JWKS_MAX_AGE', 300, 0, 86_400),
    signer: loadSigner(env, read),
    keyringFile: read('SECRETS_KEYRING_FILE') ?? `${DATA_DIR}/keyring.json`,
    seal: loadSeal(env),
    oidcIssuersFile: read('SECRETS_OIDC_ISSUERS'),
    sweepIntervalMs: Math.round(sweepSeconds * 1000),
    maxSecretBytes: integer('SECRETS_MAX_SECRET_BYTES', 1_048_576, 1024, 64 * 1_048_576),
    maxTokenTtlSeconds: integer('SECRETS_MAX_TOKEN_TTL', 86_400, 1, 31_536_000),
    maxWrapTtlSeconds: integer('SECRETS_MAX_WRAP_TTL', 86_400, 1, 31_536_000),
    wrapQuota: {
      wraps: integer('SECRETS_WRAP_QUOTA_WRAPS', 1000, 1, 10_000_000),
      bytes: integer('SECRETS_WRAP_QUOTA_BYTES', 16 * 1_048_576, 1024, 1024 * 1_048_576),
    },
    historyVersions: integer('SECRETS_HISTORY', 10, 1, 1000),
    auditRetentionMs,
    logLevel,
    logFormat,
    rateLimitSubject: parseRateLimit('SECRETS_RATE_LIMIT', read('SECRETS_RATE_LIMIT') ?? '50/s,burst=200'),
    rateLimitAddress: parseRateLimit('SECRETS_RATE_LIMIT_ADDRESS', read('SECRETS_RATE_LIMIT_ADDRESS') ?? '200/s'),
    metricsToken: read('SECRETS_METRICS_TOKEN'),
    maxConnections: integer('SECRETS_MAX_CONNECTIONS', 10_000, 1, 1_000_000),
    maxConnectionsPerAddress: integer('SECRETS_MAX_CONNECTIONS_PER_ADDRESS', 256, 1, 1_000_000),
    rateLimitTokens: parseRateLimit('SECRETS_TOKEN_RATE_LIMIT', read('SECRETS_TOKEN_RATE_LIMIT') ?? '2/s,burst=120'),
  };
  return Object.freeze(config);
}

function parseDatabase(url: string, timeoutMs: number): DatabaseConfig {
  if (url.startsWith('sqlite:')) {
    const filename = url.slice('sqlite:'.length);
    if (filename === '') throw new ConfigError('SECRETS_DB', 'sqlite: needs a file path, as in sqlite:./data/secrets.db');
    return { client: 'sqlite', filename: filename === ':memory:' ? filename : path.resolve(filename) };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    try {
      new URL(url);
    } catch {
      throw new ConfigError('SECRETS_DB', 'is not a valid postgres:// URL');
    }
    return { client: 'pg', connectionString: url, timeoutMs };
  }
  throw new ConfigError('SECRETS_DB', 'must be sqlite:<path> or postgres://…');
}

/** `<n>/<s|m>`, optionally `,burst=<b>` (default burst: four times n), or `off`. */
function parseRateLimit(variable: string, text: string): RateLimitConfig {
  if (text === 'off') return 'off';
  const match = /^(\d{1,7})\/(s|m)(?:,burst=(\d{1,7}))?$/.exec(text);
  if (!match || Number(match[1]) === 0) {
    throw new ConfigError(variable, 'must be <n>/s or <n>/m (optionally ,burst=<b>) or off');
  }
  const n = Number(match[1]);
  const perSecond = match[2] === 's' ? n : n / 60;
  const burst = match[3] === undefined ? n * 4 : Number(match[3]);
  if (burst < 1) throw new ConfigError(variable, 'burst must be at least 1');
  return { perSecond, burst };
}
