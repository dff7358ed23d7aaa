/**
 * `npm run bench:cli`: how long client commands take from the shell, as a
 * person or a CI step feels it: the median of 10 runs of each, against a
 * local server, beside `node -e 0` for the floor. `--help` is left out: it
 * never talks to the server. Exits 1 when a median is over 0.3 s.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../support/databases';
import { MAIN, runCli, startServer } from '../support/processes';

const RUNS = 10;
const TARGET_SECONDS = 0.3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 === 1
    ? (sorted[Math.floor(middle)] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function timeRuns(args: string[], cwd: string, env: Record<string, string>): number {
  const seconds: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
    seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
    if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  }
  return median(seconds);
}

async function main(): Promise<void> {
  const cwd = tempDir('scoped-secrets-bench-cli-');
  const server = await startServer({ cwd });
  try {
    const env = { SECRETS_URL: server.url, SECRETS_TOKEN_FILE: path.join(cwd, 'data', 'root.token') };
    fs.writeFileSync(path.join(cwd, 'v.json'), '{"user":"bench","password":"bench-password"}');
    if (runCli(['put', 'ci/bench', '--expires', '1d', '--file', 'v.json'], { cwd, env }).status !== 0) throw new Error('could not seed');
    const rows: Array<[string, number]> = [['node -e 0 (the floor)', timeRuns(['-e', '0'], cwd, env)]];
    for (const command of [['get', 'ci/bench'], ['list', 'ci'], ['whoami'], ['export', 'ci/bench'], ['version']]) {
      rows.push([`scoped-secrets ${command.join(' ')}`, timeRuns([MAIN, ...command], cwd, env)]);
    }
    process.stdout.write(`| command | median of ${RUNS}, s |\n| --- | --- |\n`);
    for (const [name, seconds] of rows) process.stdout.write(`| \`${name}\` | ${seconds.toFixed(3)} |\n`);
    const slow = rows.slice(1).filter(([, seconds]) => seconds > TARGET_SECONDS);
    if (slow.length > 0) {
      process.stderr.write(`over ${TARGET_SECONDS} s: ${slow.map(([name]) => name).join(', ')}\n`);
      process.exitCode = 1;
    }
  } finally {
    await server.stop();
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

void main();
