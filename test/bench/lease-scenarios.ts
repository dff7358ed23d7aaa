/**
 * Dynamic secrets with the PostgreSQL on this machine as the backend:
 * leases drawn per second (each a CREATE ROLE over a fresh connection to
 * the backend, a lease record and an audit event), then the same leases
 * revoked per second by the sweeper (each a connection, ending its
 * sessions, DROP OWNED and DROP ROLE), the service on SQLite.
 */
import fs from 'node:fs';
import path from 'node:path';
import type autocannon from 'autocannon';
import { tempDir } from '../support/databases';
import { kindServer } from '../support/dynamic-servers';
import { startServer, waitFor } from '../support/processes';
import type { LoadResult } from './load';
import { measure, type BenchSettings, type ScenarioResult } from './scenarios';

const QUIET = {
  SECRETS_LOG_LEVEL: 'warn',
  SECRETS_RATE_LIMIT: 'off',
  SECRETS_RATE_LIMIT_ADDRESS: 'off',
  SECRETS_TOKEN_RATE_LIMIT: 'off',
  SECRETS_SWEEP_INTERVAL: '0.2',
};
const CONNECTIONS = 8;

export async function leaseScenarios(settings: BenchSettings): Promise<ScenarioResult[]> {
  const dir = tempDir('scoped-secrets-bench-leases-');
  const server = await startServer({ cwd: dir, env: QUIET });
  try {
    const root = fs.readFileSync(path.join(dir, 'data', 'root.token'), 'utf8').trim();
    const headers = { authorization: `Bearer ${root}`, 'content-type': 'application/json' };
    const configured = await fetch(`${server.url}/v1/backends/bench/pg`, {
      method: 'PUT',
      headers,
      body: JSON.stringify(await kindServer('postgresql').setUp()),
    });
    if (configured.status !== 201) throw new Error(`configuring the backend answered ${configured.status}`);
    const draw: autocannon.Request = { method: 'POST', path: '/v1/creds/bench/pg', headers, body: JSON.stringify({ ttl: 3600 }) };
    const draws = await measure(settings, { url: server.url, requests: [draw], connections: CONNECTIONS });

    const live = async () => {
      const listed = (await (await fetch(`${server.url}/v1/leases?limit=1000`, { headers })).json()) as { leases: unknown[] };
      return listed.leases.length;
    };
    const started = process.hrtime.bigint();
    const revoke = await fetch(`${server.url}/v1/leases/revoke`, { method: 'POST', headers, body: JSON.stringify({ prefix: 'bench' }) });
    if (revoke.status !== 202) throw new Error(`revoking by prefix answered ${revoke.status}: ${await revoke.text()}`);
    const marked = (await revoke.json()) as { revoking: number };
    await waitFor(async () => ((await live()) === 0 ? true : undefined), 600_000, 'every lease to be revoked');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const revocations: LoadResult = { rps: marked.revoking / seconds, p50: 0, p99: 0, p999: 0, errors: 0, non2xx: 0, loadGeneratorCpu: 0 };
    return [
      { name: 'lease drawn (PostgreSQL backend)', runs: draws, note: `${CONNECTIONS} connections` },
      {
        name: 'lease revoked (PostgreSQL backend)',
        runs: [revocations],
        note: `${marked.revoking} leases revoked by prefix in ${seconds.toFixed(1)} s; no per-request latency`,
      },
    ];
  } finally {
    await server.stop('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
