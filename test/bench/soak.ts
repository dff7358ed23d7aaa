/**
 * `npm run soak -- [--minutes 30] [--rate 100] [--keep-alive]`: a mixed load
 * (90% GET, 10% PUT, a listing now and then) at a fixed rate against one
 * `serve` process, each request on a new connection unless --keep-alive,
 * reporting its memory (RSS and the V8 heap in use) and event-loop delay
 * from /metrics as it goes, then the slope of each over the run after the
 * first tenth (warm-up) and over its last half: a leak keeps its slope, a
 * plateau's last half is flat. A benchmark-style script, not a test: it
 * prints, it does not judge.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ManualClock } from '../../src/common/clock';
import { hmacKey } from '../../src/tokens/signing-keys';
import { TokenSigner } from '../../src/tokens/token-signer';
import { tempDir } from '../support/databases';
import { startServer } from '../support/processes';
import { numberedKeys, seedSecrets } from '../support/seed';
import { fixedRateLoad } from './fixed-rate';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const index = args.indexOf(name);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const minutes = option('--minutes', 30);
const rate = option('--rate', 100);
const newConnections = !args.includes('--keep-alive');
const SAMPLE_SECONDS = 10;

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : Number.NaN;
}

async function main(): Promise<void> {
  const dir = tempDir('scoped-secrets-soak-');
  const secret = 'soak-secret-of-at-least-32-bytes-long';
  const env = {
    SECRETS_DB: `sqlite:${path.join(dir, 'secrets.db')}`,
    SECRETS_KEYRING_FILE: path.join(dir, 'keyring.json'),
    SECRETS_JWT_SECRET: secret,
    SECRETS_LOG_LEVEL: 'warn',
    SECRETS_RATE_LIMIT: 'off',
    SECRETS_SWEEP_INTERVAL: '5',
  };
  const keys = numberedKeys('soak', 2000);
  await seedSecrets({
    db: env.SECRETS_DB,
    keyringFile: env.SECRETS_KEYRING_FILE,
    keys,
    value: (key) => ({ key, password: 'x'.repeat(100) }),
    expiresAt: Date.now() + 86_400_000,
  });
  const server = await startServer({ cwd: dir, env });
  const token = new TokenSigner(hmacKey(secret), new ManualClock(Date.now())).sign({
    subject: 'soak',
    scopes: ['secret:*:soak/**'],
    ttlSeconds: 86_400,
  }).token;
  const pick = () => keys[Math.floor(Math.random() * keys.length)];
  const auth = { authorization: `Bearer ${token}` };

  const samples: Array<{ minute: number; rssMiB: number; heapMiB: number; loopP99Ms: number; rps: number; p99Ms: number; errors: number }> =
    [];
  const sample = async (rps: number, p99Ms: number, errors: number) => {
    samples.push({
      minute: Number(((samples.length * SAMPLE_SECONDS) / 60).toFixed(2)),
      rssMiB: Math.round((await metric(server.url, 'process_resident_memory_bytes')) / 1_048_576),
      heapMiB: Math.round((await metric(server.url, 'nodejs_heap_size_used_bytes')) / 104_857.6) / 10,
      loopP99Ms: Math.round((await metric(server.url, 'nodejs_eventloop_lag_p99_seconds')) * 10_000) / 10,
      rps: Math.round(rps),
      p99Ms,
      errors,
    });
    const last = samples[samples.length - 1];
    if (!last) return;
    process.stderr.write(
      `soak: ${last.minute} min, RSS ${last.rssMiB} MiB, heap ${last.heapMiB} MiB, event-loop p99 ${last.loopP99Ms} ms, ${last.rps} req/s, request p99 ${p99Ms} ms, ${errors} non-2xx\n`,
    );
  };
  await sample(0, 0, 0);
  const rounds = Math.max(1, Math.round((minutes * 60) / SAMPLE_SECONDS));
  for (let round = 0; round < rounds; round++) {
    const result = await fixedRateLoad({
      url: server.url,
      rate,
      durationSeconds: SAMPLE_SECONDS,
      newConnections,
      next: () => {
        const roll = Math.random();
        if (roll < 0.1) {
          return {
            method: 'PUT',
            path: `/v1/secret/${pick()}`,
            headers: { ...auth, 'content-type': 'application/json' },
            // Some writes expire quickly, so the sweeper has work throughout.
            body: JSON.stringify({
              value: { v: Math.random() },
              expires: new Date(Date.now() + (roll < 0.02 ? 3000 : 86_400_000)).toISOString(),
            }),
          };
        }
        if (roll < 0.12) return { method: 'GET', path: '/v1/secrets?prefix=soak&limit=100', headers: auth };
        return { method: 'GET', path: `/v1/secret/${pick()}`, headers: auth };
      },
    });
    await sample(result.rps, result.p99, result.errors + result.non2xx);
  }
  await server.stop('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
  const first = samples[1] ?? samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last) throw new Error('the soak took no samples');
  const settled = samples.slice(Math.max(1, Math.floor(samples.length / 10)));
  const lastHalf = samples.slice(Math.floor(samples.length / 2));
  const slopes = (of: (s: (typeof samples)[number]) => number) =>
    `${slopePer10Minutes(settled.map((s) => [s.minute, of(s)]))} MiB per 10 min after the first tenth, ${slopePer10Minutes(lastHalf.map((s) => [s.minute, of(s)]))} over the last half`;
  process.stdout.write(
    [
      `soak: ${minutes} min at ${rate} req/s (90% GET, 10% PUT, some listings), ${newConnections ? 'a new connection per request' : 'connections reused'}, one process on SQLite`,
      `RSS after the first ${SAMPLE_SECONDS} s: ${first.rssMiB} MiB; at the end: ${last.rssMiB} MiB; highest: ${Math.max(...samples.map((s) => s.rssMiB))} MiB`,
      `RSS slope: ${slopes((s) => s.rssMiB)}`,
      `heap in use after the first ${SAMPLE_SECONDS} s: ${first.heapMiB} MiB; at the end: ${last.heapMiB} MiB; slope: ${slopes((s) => s.heapMiB)}`,
      `event-loop delay p99: highest ${Math.max(...samples.map((s) => s.loopP99Ms))} ms, at the end ${last.loopP99Ms} ms`,
      `request p99: highest ${Math.max(...samples.map((s) => s.p99Ms))} ms, at the end ${last.p99Ms} ms`,
      `non-2xx or failed requests (expired reads included): ${samples.reduce((sum, s) => sum + s.errors, 0)}`,
      '',
    ].join('\n'),
  );
}

/** The least-squares slope of (minute, MiB) points, in MiB per 10 minutes, to one decimal. */
function slopePer10Minutes(points: Array<[number, number]>): number {
  if (points.length < 2) return 0;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return variance === 0 ? 0 : Math.round((covariance / variance) * 100) / 10;
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
