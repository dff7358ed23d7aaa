/**
 * The token signers under load: derived tokens minted per second with the
 * signing key kept with the keyring, in SoftHSM2 (PKCS#11) and in the KMS
 * stand-in, beside the HS256 secret of older installs; and GET throughput
 * with the KMS signer beside the keyring signer, which must be the same
 * within noise, as verification never calls the HSM or KMS. The KMS
 * stand-in answers from this process, beside the load generator.
 */
import fs from 'node:fs';
import path from 'node:path';
import type autocannon from 'autocannon';
import { systemClock } from '../../src/common/clock';
import { ROOT_TOKEN_SCOPES } from '../../src/server/first-start';
import { hmacKey } from '../../src/tokens/signing-keys';
import { TokenSigner } from '../../src/tokens/token-signer';
import { tempDir } from '../support/databases';
import { KmsStandIn } from '../support/kms-stand-in';
import { runCliAsync, startServer, type RunningServer } from '../support/processes';
import { kmsEnvironment } from '../support/seal-environments';
import { createSoftHsmToken } from '../support/softhsm';
import { runLoad } from './load';
import { measure, type BenchSettings, type ScenarioResult } from './scenarios';

const QUIET = {
  SECRETS_LOG_LEVEL: 'warn',
  SECRETS_RATE_LIMIT: 'off',
  SECRETS_RATE_LIMIT_ADDRESS: 'off',
  SECRETS_TOKEN_RATE_LIMIT: 'off',
};

interface SignerServer {
  readonly name: string;
  readonly server: RunningServer;
  readonly root: string;
  readonly dir: string;
}

/** Starts serve with `env` in a fresh folder (prepared by `before`), reading the root token its first start wrote. */
async function startSigner(name: string, env: Record<string, string>, before?: (dir: string) => Promise<void>): Promise<SignerServer> {
  const dir = tempDir('scoped-secrets-bench-signer-');
  await before?.(dir);
  const server = await startServer({ cwd: dir, env: { ...QUIET, ...env } });
  return { name, server, dir, root: fs.readFileSync(path.join(dir, 'data', 'root.token'), 'utf8').trim() };
}

async function stopSigner(signer: SignerServer): Promise<void> {
  await signer.server.stop('SIGTERM');
  fs.rmSync(signer.dir, { recursive: true, force: true });
}

const bearer = (signer: SignerServer) => ({ authorization: `Bearer ${signer.root}`, 'content-type': 'application/json' });

/** Derived tokens minted per second: each one signature, one issued-token record and one audit event. */
async function mints(settings: BenchSettings, signer: SignerServer): Promise<ScenarioResult> {
  const mint: autocannon.Request = {
    method: 'POST',
    path: '/v1/tokens',
    headers: bearer(signer),
    body: JSON.stringify({ scopes: ['secret:get:bench/**'], ttl: 600 }),
  };
  return { name: `mint (${signer.name})`, runs: await measure(settings, { url: signer.server.url, requests: [mint], connections: 8 }) };
}

/**
 * GETs against each server in alternating runs, all up together, so that
 * a machine whose speed drifts during the run drifts for each alike.
 */
async function alternatingGets(settings: BenchSettings, signers: readonly SignerServer[]): Promise<ScenarioResult[]> {
  const loads = await Promise.all(
    signers.map(async (signer) => {
      const put = await fetch(`${signer.server.url}/v1/secret/bench/signer`, {
        method: 'PUT',
        headers: bearer(signer),
        body: JSON.stringify({ value: { password: 'x'.repeat(64) }, expires: new Date(Date.now() + 86_400_000).toISOString() }),
      });
      if (put.status !== 201) throw new Error(`PUT answered ${put.status}`);
      const get: autocannon.Request = {
        method: 'GET',
        path: '/v1/secret/bench/signer',
        headers: { authorization: `Bearer ${signer.root}` },
      };
      return { name: `GET (${signer.name})`, url: signer.server.url, requests: [get] };
    }),
  );
  if (settings.warmupSeconds > 0) {
    for (const load of loads) await runLoad({ ...load, connections: settings.connections, durationSeconds: settings.warmupSeconds });
  }
  const results: ScenarioResult[] = loads.map(({ name }) => ({ name, runs: [] }));
  for (let run = 0; run < settings.repetitions; run++) {
    for (const [index, load] of loads.entries()) {
      results[index]?.runs.push(await runLoad({ ...load, connections: settings.connections, durationSeconds: settings.durationSeconds }));
    }
  }
  return results;
}

/** What an earlier version's first start left: an HS256 secret, and a root token it signed. */
async function hs256Install(dir: string): Promise<void> {
  const secret = `bench-hs256-secret-${'x'.repeat(40)}`;
  const root = new TokenSigner(hmacKey(secret), systemClock).sign({ subject: 'root', scopes: ROOT_TOKEN_SCOPES, ttlSeconds: 3600 });
  fs.mkdirSync(path.join(dir, 'data'), { mode: 0o700 });
  fs.writeFileSync(path.join(dir, 'data', 'jwt-secret'), `${secret}\n`, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'data', 'root.token'), `${root.token}\n`, { mode: 0o600 });
}

/**
 * The four servers start together (on a machine this small, starting is
 * most of a smoke run's time) and are measured one after the other, the
 * others idle meanwhile.
 */
export async function signerScenarios(settings: BenchSettings): Promise<ScenarioResult[]> {
  const hsm = createSoftHsmToken();
  const kms = new KmsStandIn();
  try {
    kms.setAlias('alias/bench-signer', kms.createSigningKey().id);
    const kmsEnv = { ...kmsEnvironment(await kms.start()), SECRETS_SIGNER: 'awskms', SECRETS_SIGNER_AWSKMS_KEY_ID: 'alias/bench-signer' };
    const hsmEnv = { ...hsm.env, SECRETS_SIGNER: 'pkcs11', SECRETS_SIGNER_PKCS11_KEY_LABEL: 'bench-signer' };
    const started = await Promise.allSettled([
      startSigner('HS256 secret', {}, hs256Install),
      startSigner('SoftHSM2 signer', hsmEnv, async (dir) => {
        const created = await runCliAsync(['keys', 'signer', 'create'], { cwd: dir, env: hsmEnv });
        if (created.status !== 0) throw new Error(created.stderr);
      }),
      startSigner('keyring signer, ES256', {}),
      startSigner('KMS stand-in signer', kmsEnv),
    ]);
    const signers = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    try {
      const failed = started.find((outcome) => outcome.status === 'rejected');
      if (failed) throw failed.reason;
      const results: ScenarioResult[] = [];
      for (const signer of signers) results.push(await mints(settings, signer));
      results.push(...(await alternatingGets(settings, signers.slice(2))));
      return results;
    } finally {
      await Promise.all(signers.map(stopSigner));
    }
  } finally {
    hsm.remove();
    await kms.close();
  }
}
