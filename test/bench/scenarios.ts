/**
 * The scenarios of `npm run bench`: three baselines and the scoped-secrets
 * paths a CI fleet exercises, each against a real server process.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type autocannon from 'autocannon';
import type { Knex } from 'knex';
import { ManualClock } from '../../src/common/clock';
import { connectDatabase } from '../../src/storage/knex/connect';
import { hmacKey } from '../../src/tokens/signing-keys';
import { TokenSigner } from '../../src/tokens/token-signer';
import { dialects, tempDir } from '../support/databases';
import { startListening, startServer, type RunningServer } from '../support/processes';
import { numberedKeys, seedAuditEvents, seedSecrets } from '../support/seed';
import { fixedRateLoad } from './fixed-rate';
import { runLoad, type LoadResult } from './load';

export interface BenchSettings {
  readonly repetitions: number;
  /** 0 for none: a smoke run only keeps the harness working. */
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly connections: number;
  readonly secrets: number;
  readonly expiredSecrets: number;
  readonly fixedRate: number;
  /** Distinct tokens signed ahead for the cache-miss scenario: more than it sends requests. */
  readonly freshTokens: number;
  /** The grown database: its secrets and audit events. */
  readonly grownSecrets: number;
  readonly grownAuditEvents: number;
}

export interface ScenarioResult {
  readonly name: string;
  readonly runs: LoadResult[];
  readonly note?: string;
}

const JWT_SECRET = `bench-${randomBytes(24).toString('hex')}`;
const BENCH_SCOPES = ['secret:get:bench/**', 'secret:list:bench/**', 'secret:set:bench/**', 'secret:get:ci/*/deploy', 'audit:read:bench/*'];
export const VALUE = (key: string) => ({ user: 'bench-user', password: `${key}-${'x'.repeat(120)}`, host: 'db.internal', port: 5432 });

const signer = new TokenSigner(hmacKey(JWT_SECRET), new ManualClock(Date.now()));
export const token = (subject = 'bench') => signer.sign({ subject, scopes: BENCH_SCOPES, ttlSeconds: 3600 }).token;

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)] as T;
}

export async function measure(
  settings: BenchSettings,
  load: Omit<Parameters<typeof runLoad>[0], 'durationSeconds' | 'connections'> & { connections?: number },
): Promise<LoadResult[]> {
  const connections = load.connections ?? settings.connections;
  if (settings.warmupSeconds > 0) await runLoad({ ...load, connections, durationSeconds: settings.warmupSeconds });
  const runs: LoadResult[] = [];
  for (let run = 0; run < settings.repetitions; run++) {
    runs.push(await runLoad({ ...load, connections, durationSeconds: settings.durationSeconds }));
  }
  return runs;
}

async function withProcess<T>(start: Promise<RunningServer>, work: (server: RunningServer) => Promise<T>): Promise<T> {
  const server = await start;
  try {
    return await work(server);
  } finally {
    await server.stop('SIGTERM');
  }
}

const SECRET_PATH = '/v1/secret/bench/s/000042';
const SMALL_YOUNG_GENERATION = '--max-semi-space-size=4';

const BASELINE_SCRIPT = path.join(__dirname, 'baseline-server.js');
const BASELINE_2 = 'baseline 2: express 5';
const BASELINE_3 = 'baseline 3: express 5 + openapi-validator';

/** Baseline 1, and the machine's own tail at the fixed rate. Baselines 2 and 3 run beside the service's GET (`sqliteScenarios`). */
export async function baselines(settings: BenchSettings): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  const baselineKey = [SECRET_PATH.slice('/v1/secret/'.length)];
  // At the fixed rate, what the machine and the load generator themselves allow: the floor under the service's tail.
  await withProcess(startListening([BASELINE_SCRIPT, 'node'], { cwd: process.cwd() }), async (server) => {
    results.push({ name: 'baseline 1: node:http', runs: await measure(settings, { url: `${server.url}${SECRET_PATH}` }) });
    results.push({
      name: `baseline 1 at ${settings.fixedRate}/s`,
      runs: await measureFixedRate(settings, server.url, baselineKey, 'unused'),
    });
  });
  await withProcess(startListening([BASELINE_SCRIPT, 'express'], { cwd: process.cwd() }), async (server) => {
    results.push({
      name: `baseline 2 at ${settings.fixedRate}/s`,
      runs: await measureFixedRate(settings, server.url, baselineKey, 'unused'),
    });
  });
  return results;
}

/**
 * The service's GET and baselines 2 and 3, which its targets are ratios of,
 * in alternating runs: the three servers up together, each repetition
 * measuring one after the other, so that a machine whose speed drifts
 * during the run (this one's does, by half, within minutes) drifts for all
 * three alike. Only the one under load is busy.
 */
async function getBesideBaselines(
  settings: BenchSettings,
  service: RunningServer,
  requests: autocannon.Request[],
): Promise<ScenarioResult[]> {
  const start = (mode: string) => startListening([BASELINE_SCRIPT, mode], { cwd: process.cwd() });
  return withProcess(start('express'), (express) =>
    withProcess(start('validator'), async (validator) => {
      const loads = [
        { name: BASELINE_2, url: `${express.url}${SECRET_PATH}` },
        { name: BASELINE_3, url: `${validator.url}${SECRET_PATH}` },
        { name: 'GET (SQLite)', url: service.url, requests },
      ];
      const load = (target: (typeof loads)[number], durationSeconds: number) =>
        runLoad({ ...target, connections: settings.connections, durationSeconds });
      if (settings.warmupSeconds > 0) for (const target of loads) await load(target, settings.warmupSeconds);
      const results: ScenarioResult[] = loads.map(({ name }) => ({ name, runs: [] }));
      for (let run = 0; run < settings.repetitions; run++) {
        for (const [index, target] of loads.entries()) results[index]?.runs.push(await load(target, settings.durationSeconds));
      }
      return results;
    }),
  );
}

interface ServiceSetup {
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly keys: string[];
}

/** The server's environment: request logs and rate limits off, so that the service itself is measured. */
export function benchEnv(dir: string, db: string): Record<string, string> {
  return {
    SECRETS_DB: db,
    SECRETS_KEYRING_FILE: path.join(dir, 'keyring.json'),
    SECRETS_JWT_SECRET: JWT_SECRET,
    SECRETS_LOG_LEVEL: 'warn',
    SECRETS_RATE_LIMIT: 'off',
    SECRETS_RATE_LIMIT_ADDRESS: 'off',
  };
}

/** `expired` more secrets under `bench/expired/`, expiring at `expiredAt`. */
async function sqliteSetup(settings: BenchSettings, expired: number, expiredAt = Date.now() - 1000): Promise<ServiceSetup> {
  const dir = tempDir('scoped-secrets-bench-');
  const env = benchEnv(dir, `sqlite:${path.join(dir, 'secrets.db')}`);
  const keys = numberedKeys('bench/s', settings.secrets);
  await seedSecrets({
    db: env.SECRETS_DB ?? '',
    keyringFile: env.SECRETS_KEYRING_FILE ?? '',
    keys,
    value: VALUE,
    expiresAt: Date.now() + 86_400_000,
  });
  if (expired > 0) {
    await seedSecrets({
      db: env.SECRETS_DB ?? '',
      keyringFile: env.SECRETS_KEYRING_FILE ?? '',
      keys: numberedKeys('bench/expired', expired),
      value: VALUE,
      expiresAt: expiredAt,
    });
  }
  return { dir, env, keys };
}

function fixedRateGets(settings: BenchSettings, url: string, keys: readonly string[], bearer: string): Promise<LoadResult> {
  return fixedRateLoad({
    url,
    rate: settings.fixedRate,
    durationSeconds: settings.durationSeconds,
    next: () => ({ method: 'GET', path: `/v1/secret/${pick(keys)}`, headers: { authorization: `Bearer ${bearer}` } }),
  });
}

/**
 * Runs `measure` while a caller who may list none of the bench keys pages
 * through all of them, one listing after another: each listing reads its
 * time budget's worth of batches, yielding between them, and what that
 * costs the other requests shows in their tail.
 */
async function whileScanningHiddenKeys<T>(url: string, measure: () => Promise<T>): Promise<T> {
  const narrow = signer.sign({ subject: 'narrow', scopes: ['secret:list:bench/*/visible'], ttlSeconds: 3600 }).token;
  let scanning = true;
  const scans = (async () => {
    let continuation: string | undefined;
    while (scanning) {
      const query = `prefix=bench&limit=1${continuation === undefined ? '' : `&continuationToken=${encodeURIComponent(continuation)}`}`;
      const res = await fetch(`${url}/v1/secrets?${query}`, { headers: { authorization: `Bearer ${narrow}` } });
      continuation = ((await res.json()) as { continuationToken?: string }).continuationToken;
    }
  })();
  try {
    return await measure();
  } finally {
    scanning = false;
    await scans;
  }
}

/** Warm-up, then the repetitions, at the fixed rate. */
async function measureFixedRate(settings: BenchSettings, url: string, keys: readonly string[], bearer: string): Promise<LoadResult[]> {
  if (settings.warmupSeconds > 0) await fixedRateGets({ ...settings, durationSeconds: settings.warmupSeconds }, url, keys, bearer);
  const runs: LoadResult[] = [];
  for (let run = 0; run < settings.repetitions; run++) runs.push(await fixedRateGets(settings, url, keys, bearer));
  return runs;
}

export function getRequests(keys: readonly string[], bearer: string): autocannon.Request[] {
  return [
    {
      method: 'GET',
      setupRequest: (request) => ({
        ...request,
        path: `/v1/secret/${pick(keys)}`,
        headers: { ...request.headers, authorization: `Bearer ${bearer}` },
      }),
    },
  ];
}

/** A PUT of a new version of a random key. */
export function putRequestOf(keys: readonly string[], bearer: string): (request: autocannon.Request) => autocannon.Request {
  return (request) => ({
    ...request,
    method: 'PUT',
    path: `/v1/secret/${pick(keys)}`,
    headers: { ...request.headers, authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify({ value: VALUE('put'), expires: new Date(Date.now() + 86_400_000).toISOString() }),
  });
}

export async function sqliteScenarios(settings: BenchSettings): Promise<ScenarioResult[]> {
  const setup = await sqliteSetup(settings, 0);
  const results: ScenarioResult[] = [];
  const bearer = token();
  await withProcess(startServer({ cwd: setup.dir, env: setup.env }), async (server) => {
    results.push(...(await getBesideBaselines(settings, server, getRequests(setup.keys, bearer))));
    // Before any write scenario, so that its latency is that of a settled database.
    results.push({
      name: `GET at ${settings.fixedRate}/s (SQLite)`,
      runs: await measureFixedRate(settings, server.url, setup.keys, bearer),
    });
    // The same with V8's young generation at 4 MB instead of 16: scavenges a quarter as long and four times as
    // frequent (see the README's performance section, Tuning the tail).
    await withProcess(startServer({ cwd: setup.dir, env: { ...setup.env, NODE_OPTIONS: SMALL_YOUNG_GENERATION } }), async (tuned) => {
      results.push({
        name: `GET at ${settings.fixedRate}/s (SQLite, NODE_OPTIONS=${SMALL_YOUNG_GENERATION})`,
        runs: await measureFixedRate(settings, tuned.url, setup.keys, bearer),
      });
    });

    const fresh = Array.from({ length: settings.freshTokens }, () => token());
    let next = 0;
    results.push({
      name: 'GET, fresh token each request',
      note: 'every request verifies a JWT the cache has not seen',
      runs: await measure(settings, {
        url: server.url,
        requests: [
          {
            method: 'GET',
            setupRequest: (request) => ({
              ...request,
              path: `/v1/secret/${pick(setup.keys)}`,
              headers: { ...request.headers, authorization: `Bearer ${fresh[next++ % fresh.length]}` },
            }),
          },
        ],
      }),
    });

    const putRequest = putRequestOf(setup.keys, bearer);
    results.push({
      name: 'PUT (new versions, durable)',
      runs: await measure(settings, { url: server.url, requests: [{ setupRequest: putRequest }] }),
    });

    results.push({
      name: 'GET/PUT 90/10 mix',
      runs: await measure(settings, {
        url: server.url,
        requests: [
          {
            setupRequest: (request) =>
              Math.random() < 0.1
                ? putRequest(request)
                : {
                    ...request,
                    method: 'GET',
                    path: `/v1/secret/${pick(setup.keys)}`,
                    headers: { ...request.headers, authorization: `Bearer ${bearer}` },
                  },
          },
        ],
      }),
    });

    results.push({
      name: 'list pages (limit 100)',
      runs: await measure(settings, {
        url: `${server.url}/v1/secrets?prefix=bench/s&limit=100`,
        headers: { authorization: `Bearer ${bearer}` },
      }),
    });

    results.push({
      name: `GET at ${settings.fixedRate}/s while listings scan hidden keys`,
      runs: await whileScanningHiddenKeys(server.url, () => measureFixedRate(settings, server.url, setup.keys, bearer)),
    });

    // The tail again once the writes above have grown the database, its WAL and its audit chain.
    results.push({
      name: `GET at ${settings.fixedRate}/s (SQLite, after the writes)`,
      runs: await measureFixedRate(settings, server.url, setup.keys, bearer),
    });
  });

  await withProcess(startServer({ cwd: setup.dir, env: setup.env, args: ['--workers', '2'] }), async (server) => {
    results.push({
      name: 'GET, --workers 2',
      runs: await measure(settings, { url: server.url, requests: getRequests(setup.keys, bearer) }),
    });
  });
  fs.rmSync(setup.dir, { recursive: true, force: true });
  return results;
}

/**
 * GET and PUT on a database that has grown: ten times the secrets and a
 * million audit events, to compare with the same scenarios on the smaller one.
 */
export async function growthScenarios(settings: BenchSettings): Promise<ScenarioResult[]> {
  const dir = tempDir('scoped-secrets-bench-');
  const sqliteFile = path.join(dir, 'secrets.db');
  const env = benchEnv(dir, `sqlite:${sqliteFile}`);
  const keys = numberedKeys('bench/s', settings.grownSecrets);
  const keyringFile = env.SECRETS_KEYRING_FILE ?? '';
  await seedSecrets({ db: env.SECRETS_DB ?? '', keyringFile, keys, value: VALUE, expiresAt: Date.now() + 86_400_000 });
  seedAuditEvents({ sqliteFile, keyringFile, keys, count: settings.grownAuditEvents });
  const bearer = token();
  const grown = `${settings.grownSecrets.toLocaleString('en')} secrets, ${settings.grownAuditEvents.toLocaleString('en')} audit events`;
  try {
    return await withProcess(startServer({ cwd: dir, env }), async (server) => [
      { name: `GET (SQLite, grown: ${grown})`, runs: await measure(settings, { url: server.url, requests: getRequests(keys, bearer) }) },
      {
        name: `PUT (SQLite, grown: ${grown})`,
        runs: await measure(settings, { url: server.url, requests: [{ setupRequest: putRequestOf(keys, bearer) }] }),
      },
      { name: `GET at ${settings.fixedRate}/s (SQLite, grown)`, runs: await measureFixedRate(settings, server.url, keys, bearer) },
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const expiredRows = (db: Knex, table: string) => db(table).where('key', 'like', 'bench/expired/%');

/**
 * GET at the fixed rate on a database with `expiredSecrets` more secrets, first as
 * they are (the same server and database without the purge, which the
 * purge is measured against), then while the sweeper purges them, from its
 * first batch. They expire (their rows changed behind the server's back)
 * only once those runs are done.
 */
export async function sweepScenario(settings: BenchSettings): Promise<ScenarioResult[]> {
  const setup = await sqliteSetup(settings, settings.expiredSecrets, Date.now() + 86_400_000);
  const bearer = token();
  const probe = connectDatabase({ client: 'sqlite', filename: (setup.env.SECRETS_DB ?? '').slice('sqlite:'.length) });
  const expiredLeft = async () => Number((await expiredRows(probe, 'secrets').count({ n: '*' }))[0]?.n);
  const rows = settings.expiredSecrets.toLocaleString('en');
  try {
    return await withProcess(startServer({ cwd: setup.dir, env: { ...setup.env, SECRETS_SWEEP_INTERVAL: '0.5' } }), async (server) => {
      const before: ScenarioResult = {
        name: `GET at ${settings.fixedRate}/s (SQLite, before a ${rows}-row purge)`,
        runs: await measureFixedRate(settings, server.url, setup.keys, bearer),
      };
      await probe.transaction(async (trx) => {
        for (const table of ['secrets', 'secret_versions']) await expiredRows(trx, table).update({ expires_at: Date.now() - 1000 });
      });
      const started = Date.now();
      const runs: LoadResult[] = [];
      for (let run = 0; run < settings.repetitions && (run === 0 || (await expiredLeft()) > 0); run++) {
        runs.push(await fixedRateGets(settings, server.url, setup.keys, bearer));
      }
      const left = await expiredLeft();
      return [
        before,
        {
          name: `GET at ${settings.fixedRate}/s during a ${rows}-row purge`,
          runs,
          note:
            left === 0
              ? `purge done within ${Math.round((Date.now() - started) / 1000)} s of measuring`
              : `${left} rows still to purge when measuring ended`,
        },
      ];
    });
  } finally {
    await probe.destroy();
    fs.rmSync(setup.dir, { recursive: true, force: true });
  }
}

export async function postgresScenarios(settings: BenchSettings): Promise<ScenarioResult[]> {
  const postgres = (await dialects()).find((dialect) => dialect.name === 'postgres');
  if (!postgres || postgres.skip) throw new Error(`the PostgreSQL scenarios need PostgreSQL: ${postgres?.skip}`);
  const db = await postgres.create();
  const dir = tempDir('scoped-secrets-bench-');
  const env = benchEnv(dir, db.url);
  const keys = numberedKeys('bench/s', settings.secrets);
  try {
    await seedSecrets({
      db: env.SECRETS_DB ?? '',
      keyringFile: env.SECRETS_KEYRING_FILE ?? '',
      keys,
      value: VALUE,
      expiresAt: Date.now() + 86_400_000,
    });
    const bearer = token();
    return await withProcess(startServer({ cwd: dir, env }), async (server) => [
      { name: 'GET (PostgreSQL)', runs: await measure(settings, { url: server.url, requests: getRequests(keys, bearer) }) },
      {
        name: `GET at ${settings.fixedRate}/s (PostgreSQL)`,
        runs: await measureFixedRate(settings, server.url, keys, bearer),
      },
      {
        name: 'PUT (PostgreSQL)',
        runs: await measure(settings, { url: server.url, requests: [{ setupRequest: putRequestOf(keys, bearer) }] }),
      },
    ]);
  } finally {
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
