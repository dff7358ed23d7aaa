/** What keys status shows: each key and the versions it wraps, and the seal over them. */
import type { Config } from '../config';
import { isSealedEntry, readKeyringFile } from '../keyring/keyring-file';
import { openSeal } from '../seal/open-seal';
import type { SealProvider } from '../seal/seal';

export interface KeyRow {
  readonly id: string;
  readonly versions: number;
  readonly active: boolean;
  readonly inKeyring: boolean;
}

export interface SealStatus {
  readonly provider: SealProvider | 'none';
  /** Each seal key and how many entries (keys, and the audit key) it seals. */
  readonly sealKeys: { key: string; entries: number; current: boolean }[];
  /** The key the configured seal would seal with now (where an alias points), when it could be asked. */
  readonly currentKey?: string;
  readonly currentKeyError?: string;
  readonly summary: string;
}

async function currentSealKey(config: Config, provider: SealProvider): Promise<{ key?: string; error?: string }> {
  if (config.seal?.provider !== provider) return { error: `SECRETS_SEAL is not ${provider} here` };
  const seal = await openSeal(config.seal);
  try {
    return { key: await seal.currentKey() };
  } catch (error) {
    return { error: (error as Error).message };
  } finally {
    await seal.close();
  }
}

async function sealStatus(config: Config): Promise<SealStatus> {
  const doc = readKeyringFile(config.keyringFile);
  if (!doc.seal) return { provider: 'none', sealKeys: [], summary: `seal: none (the keys are in plaintext in ${config.keyringFile})` };
  const counts = new Map<string, number>();
  for (const entry of [...doc.keys.values(), doc.audit]) if (isSealedEntry(entry)) counts.set(entry.by, (counts.get(entry.by) ?? 0) + 1);
  const current = await currentSealKey(config, doc.seal);
  const sealKeys = [...counts].map(([key, entries]) => ({ key, entries, current: key === current.key }));
  const lines = [
    `seal: ${doc.seal}`,
    ...sealKeys.map((row) => `  ${row.key}\tseals ${row.entries} of ${doc.keys.size + 1} entries${row.current ? '\tcurrent' : ''}`),
  ];
  if (current.key && sealKeys.some((row) => !row.current)) lines.push(`  the seal's current key is ${current.key}: run keys reseal`);
  if (current.error) lines.push(`  could not ask the seal for its current key: ${current.error}`);
  return { provider: doc.seal, sealKeys, currentKey: current.key, currentKeyError: current.error, summary: lines.join('\n') };
}

export async function keyringStatus(config: Config, versionsByKey: Map<string, number>): Promise<{ seal: SealStatus; keys: KeyRow[] }> {
  const doc = readKeyringFile(config.keyringFile);
  const ids = [...doc.keys.keys()];
  const keys = [
    ...ids.map((id) => ({ id, versions: versionsByKey.get(id) ?? 0, active: id === doc.active, inKeyring: true })),
    ...[...versionsByKey].filter(([id]) => !doc.keys.has(id)).map(([id, versions]) => ({ id, versions, active: false, inKeyring: false })),
  ];
  return { seal: await sealStatus(config), keys };
}
