/**
 * `npm run bench`: baselines and scoped-secrets scenarios measured in one
 * run on this machine, printed as a markdown table and written as JSON and
 * an SVG chart. `--smoke` runs everything briefly once, to keep the
 * harness working; `--out DIR` chooses where the files go; `--only WORD`
 * runs the steps whose name holds WORD (baselines, SQLite, sweeper, growth, PostgreSQL, signers, leases).
 * Baselines 2 and 3 are measured in the SQLite step, alternating with the
 * service's GET, whose targets are ratios of them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { markdown, summarize, svgChart, targets, ratios, type Summary } from './report';
import {
  baselines,
  growthScenarios,
  postgresScenarios,
  sqliteScenarios,
  sweepScenario,
  type BenchSettings,
  type ScenarioResult,
} from './scenarios';
import { signerScenarios } from './signer-scenarios';
import { leaseScenarios } from './lease-scenarios';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const outIndex = args.indexOf('--out');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
const outDir =
  outIndex >= 0 ? path.resolve(args[outIndex + 1] ?? '.') : path.resolve(__dirname, '..', '..', '..', 'test', 'bench', 'results');

const settings: BenchSettings = smoke
  ? {
      repetitions: 1,
      warmupSeconds: 0,
      durationSeconds: 0.5,
      connections: 4,
      secrets: 100,
      expiredSecrets: 500,
      fixedRate: 100,
      freshTokens: 2000,
      grownSecrets: 1000,
      grownAuditEvents: 5000,
    }
  : {
      repetitions: 3,
      warmupSeconds: 2,
      durationSeconds: 5,
      connections: 32,
      secrets: 10_000,
      expiredSecrets: 100_000,
      fixedRate: 1000,
      freshTokens: 60_000,
      grownSecrets: 100_000,
      grownAuditEvents: 1_000_000,
    };

async function main(): Promise<void> {
  const started = new Date();
  const results: ScenarioResult[] = [];
  const step = async (name: string, run: () => Promise<ScenarioResult | ScenarioResult[]>) => {
    if (only !== undefined && !name.includes(only)) return;
    process.stderr.write(`bench: ${name}…\n`);
    const produced = await run();
    results.push(...(Array.isArray(produced) ? produced : [produced]));
  };
  await step('baselines', () => baselines(settings));
  await step('scoped-secrets on SQLite', () => sqliteScenarios(settings));
  await step('the sweeper purging', () => sweepScenario(settings));
  await step('SQLite grown (growth)', () => growthScenarios(settings));
  await step('scoped-secrets on PostgreSQL', () => postgresScenarios(settings));
  await step('token signers', () => signerScenarios(settings));
  await step('dynamic secrets (leases)', () => leaseScenarios(settings));

  const summaries: Summary[] = results.map(summarize);
  const header = `scoped-secrets benchmark, ${started.toISOString().slice(0, 10)}, ${os.cpus().length} cores, node ${process.version}, autocannon in-process, ${settings.connections} connections, ${settings.repetitions}× ${settings.durationSeconds} s after ${settings.warmupSeconds} s warm-up${smoke ? ' (smoke run)' : ''}`;
  const table = markdown(summaries, settings.fixedRate, header);
  process.stdout.write(table);

  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'results.md'), table);
  fs.writeFileSync(
    path.join(outDir, 'results.json'),
    `${JSON.stringify({ date: started.toISOString(), smoke, settings, machine: { cores: os.cpus().length, node: process.version }, summaries, ratios: ratios(summaries), targets: targets(summaries, settings.fixedRate), runs: results }, null, 2)}\n`,
  );
  fs.writeFileSync(path.join(outDir, 'chart.svg'), svgChart(summaries, header.split(',').slice(0, 3).join(',')));
  process.stderr.write(`bench: wrote ${path.join(outDir, 'results.json')}, results.md and chart.svg\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
