/**
 * `npm run bench:compare -- BEFORE AFTER [--put] [--postgres] [--pairs N]
 * [--seconds S] [--secrets K] [--audit-events E] [--workers W]`: one change
 * against its own before. BEFORE and AFTER are built checkouts (each with
 * `dist/`, e.g. a `git worktree` of the commit before, after `npm ci && npm
 * run build`). Their servers run in turn, alternating, each on a fresh
 * database of K secrets (10,000) and, on SQLite, E audit events (none),
 * seeded by this checkout (so both must share its schema); with a 2 s
 * warm-up and then S seconds (8) of GET or PUT load at 32 connections, on
 * `serve --workers W` (1). A machine that drifts during the run then drifts
 * for both alike. Prints every pair and the medians.
 */
import fs from 'node:fs';
import path from 'node:path';
import { dialects, tempDir } from '../support/databases';
import { startListening } from '../support/processes';
import { numberedKeys, seedAuditEvents, seedSecrets } from '../support/seed';
import { runLoad } from './load';
import { benchEnv, getRequests, putRequestOf, token, VALUE } from './scenarios';

const trees: string[] = [];
let pairs = 3;
let seconds = 8;
let secrets = 10_000;
let put = false;
let postgres = false;
let workers = 1;
let auditEvents = 0;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const arg = args[i] as string;
  if (arg === '--put') put = true;
  else if (arg === '--postgres') postgres = true;
  else if (arg === '--pairs') pairs = Number(args[++i]);
  else if (arg === '--seconds') seconds = Number(args[++i]);
  else if (arg === '--secrets') secrets = Number(args[++i]);
  else if (arg === '--workers') workers = Number(args[++i]);
  else if (arg === '--audit-events') auditEvents = Number(args[++i]);
  else trees.push(arg);
}

async function freshDatabase(dir: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!postgres) return { url: `sqlite:${path.join(dir, 'secrets.db')}`, drop: async () => {} };
  const dialect = (await dialects()).find((candidate) => candidate.name === 'postgres');
  if (!dialect || dialect.skip) throw new Error(`--postgres: ${dialect?.skip || 'no PostgreSQL'}`);
  return dialect.create();
}

async function measure(tree: string): Promise<number> {
  const dir = tempDir('scoped-secrets-compare-');
  const db = await freshDatabase(dir);
  try {
    const env = benchEnv(dir, db.url);
    const keys = numberedKeys('bench/s', secrets);
    await seedSecrets({ db: db.url, keyringFile: env.SECRETS_KEYRING_FILE ?? '', keys, value: VALUE, expiresAt: Date.now() + 86_400_000 });
    if (auditEvents > 0)
      seedAuditEvents({ sqliteFile: path.join(dir, 'secrets.db'), keyringFile: env.SECRETS_KEYRING_FILE ?? '', keys, count: auditEvents });
    const server = await startListening([path.join(tree, 'dist', 'src', 'main.js'), 'serve', '--port', '0', '--workers', String(workers)], {
      cwd: dir,
      env: { SECRETS_SWEEP_INTERVAL: '60', ...env },
    });
    try {
      const bearer = token();
      const requests = put ? [{ setupRequest: putRequestOf(keys, bearer) }] : getRequests(keys, bearer);
      await runLoad({ url: server.url, connections: 32, durationSeconds: 2, requests });
      const result = await runLoad({ url: server.url, connections: 32, durationSeconds: seconds, requests });
      if (result.errors + result.non2xx > 0) throw new Error(`${tree}: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
      return Math.round(result.rps);
    } finally {
      await server.stop('SIGTERM');
    }
  } finally {
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function main(): Promise<void> {
  const [before, after] = trees.map((tree) => path.resolve(tree));
  if (auditEvents > 0 && postgres) throw new Error('--audit-events: seeded on SQLite only');
  if (!before || !after)
    throw new Error(
      'usage: compare BEFORE AFTER [--put] [--postgres] [--pairs N] [--seconds S] [--secrets K] [--audit-events E] [--workers W]',
    );
  const results = { before: [] as number[], after: [] as number[] };
  process.stdout.write(
    `${put ? 'PUT' : 'GET'} on ${postgres ? 'PostgreSQL' : 'SQLite'}, ${workers} worker(s), req/s, ${pairs} pairs of ${seconds} s\n`,
  );
  for (let pair = 1; pair <= pairs; pair++) {
    results.before.push(await measure(before));
    results.after.push(await measure(after));
    process.stdout.write(`pair ${pair}: before ${results.before.at(-1)}, after ${results.after.at(-1)}\n`);
  }
  process.stdout.write(
    `median: before ${median(results.before)}, after ${median(results.after)} (${(median(results.after) / median(results.before)).toFixed(2)}×)\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`compare failed: ${(error as Error).message}\n`);
  process.exit(1);
});
