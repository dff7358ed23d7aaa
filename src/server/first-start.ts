/**
 * A first start with nothing configured: `./data/` gets a keyring, the
 * first ES256 signing key is made (kept with the keyring, in the database),
 * and a root token is written (0600); the operator is told where they are.
 * An install from before keeps the HS256 secret its first start wrote in
 * `./data/jwt-secret`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../common/clock';
import type { Config } from '../config';
import { addAuditKeyIfMissing, createKeyringIfMissing, createSealedKeyringIfMissing } from '../keyring/keyring-changes';
import { KeyringError } from '../keyring/keyring-file';
import { withSealOf } from '../keyring/open-keyring';
import type { SigningKeySet } from '../tokens/signing-key-set';
import { mayCreateKeyringFolder } from '../cli/installation';

export const ROOT_TOKEN_SCOPES = ['secret:*:**', 'token:*:**', 'audit:read:**', 'trust:*:**', 'wrap:value:**', 'dynamic:*:**'];
export const ROOT_TOKEN_TTL_SECONDS = 30 * 86_400;

function writePrivateFile(file: string, contents: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, contents, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

function generatedSecretFile(config: Config): string {
  return path.join(config.dataDir, 'jwt-secret');
}

/** With nothing configured, the HS256 secret an earlier version's first start generated, if there is one. */
export function withGeneratedSecret(config: Config): Config {
  if (config.jwtSecret !== undefined || config.jwtPublicKeysFile !== undefined) return config;
  const secretFile = generatedSecretFile(config);
  if (!fs.existsSync(secretFile)) return config;
  return Object.freeze({ ...config, jwtSecret: fs.readFileSync(secretFile, 'utf8').trim(), jwtSecretFile: secretFile });
}

/** A host to connect to: a wildcard listen address is reached through loopback. */
function reachableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** The configuration to run with, after creating what a first start needs; `say` tells the operator. */
export async function prepareDataDir(config: Config, clock: Clock, say: (line: string) => void): Promise<Config> {
  if (!fs.existsSync(config.keyringFile) && !mayCreateKeyringFolder(config)) {
    throw new KeyringError(`SECRETS_KEYRING_FILE: the folder ${path.dirname(config.keyringFile)} does not exist`);
  }
  // With a seal configured, the first keyring is sealed from the start: its keys never touch the disk.
  const now = new Date(clock.now());
  const created = config.seal
    ? !fs.existsSync(config.keyringFile) &&
      (await withSealOf(config.seal, (seal) => createSealedKeyringIfMissing(config.keyringFile, now, seal)))
    : createKeyringIfMissing(config.keyringFile, now);
  if (created) {
    say(`created the keyring ${path.resolve(config.keyringFile)}${config.seal ? `, sealed with ${config.seal.provider}` : ''}`);
  } else if (addAuditKeyIfMissing(config.keyringFile)) {
    say(`added an audit key to the keyring ${path.resolve(config.keyringFile)}: audit events from now on are keyed`);
  }
  return withGeneratedSecret(config);
}

/**
 * On the start that made the first signing key with nothing configured: a
 * root token in ./data/root.token (unless one is there), and where it is.
 */
export async function writeRootToken(
  config: Config,
  signer: Pick<SigningKeySet, 'signOffline'>,
  say: (line: string) => void,
): Promise<void> {
  const tokenFile = path.join(config.dataDir, 'root.token');
  if (fs.existsSync(tokenFile)) return;
  const root = await signer.signOffline({ subject: 'root', scopes: ROOT_TOKEN_SCOPES, ttlSeconds: ROOT_TOKEN_TTL_SECONDS });
  writePrivateFile(tokenFile, `${root.token}\n`);
  const base = `http://${reachableHost(config.host)}:${config.port}`;
  say(`wrote a root token (valid ${ROOT_TOKEN_TTL_SECONDS / 86_400} days) to ${path.resolve(tokenFile)}`);
  say(`try: curl -s -H "Authorization: Bearer $(cat ${tokenFile})" ${base}/v1/whoami`);
}
