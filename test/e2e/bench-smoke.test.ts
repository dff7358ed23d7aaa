/** A smoke run of `npm run bench` (every scenario, briefly, once), so that the harness cannot rot. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../support/databases';

describe('benchmark harness', () => {
  it('runs every scenario and writes the table, the JSON and the chart', () => {
    const out = tempDir('scoped-secrets-bench-smoke-');
    const result = spawnSync(process.execPath, [path.join(__dirname, '..', 'bench', 'run.js'), '--smoke', '--out', out], {
      encoding: 'utf8',
      timeout: 180_000,
      env: { ...process.env },
    });
    assert.equal(result.status, 0, result.stderr);
    for (const name of [
      'baseline 1: node:http',
      'baseline 2 at',
      'baseline 3',
      'GET (SQLite)',
      'PUT',
      'purge',
      'GET at 100/s (SQLite, before a',
      'GET, --workers 2',
      'GET (PostgreSQL)',
      'PUT (PostgreSQL)',
      'GET (SQLite, grown',
      'PUT (SQLite, grown',
      'baseline 1 at 100/s',
      'GET at 100/s (SQLite, after the writes)',
      'GET at 100/s (SQLite, grown)',
      'mint (HS256 secret)',
      'mint (SoftHSM2 signer)',
      'mint (keyring signer, ES256)',
      'mint (KMS stand-in signer)',
      'GET (keyring signer, ES256)',
      'GET (KMS stand-in signer)',
      'lease drawn (PostgreSQL backend)',
      'lease revoked (PostgreSQL backend)',
    ]) {
      assert.ok(result.stdout.includes(name), `the table has no row for ${name}`);
    }
    assert.match(result.stdout, /\| GET ÷ baseline 3 \(express \+ validator\) \| \d+\.\d\d \|/);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as { summaries: Array<{ rps: { median: number } }> };
    assert.match(
      result.stdout,
      /\| p99 at 100 GET\/s < 5 ms on SQLite \| [\d.]+ ms settled, [\d.]+ ms after the writes, [\d.]+ ms grown \| (yes|no) \|/,
    );
    assert.match(
      result.stdout,
      /\| GET p99 during the purge ≤ 2× without \| [\d.]+× \([\d.]+ ms vs [\d.]+ ms on the same database before it; [\d.]+× the settled smaller one\) \| (yes|no) \|/,
    );
    assert.match(result.stdout, /\| grown database: GET within 20% of the smaller one \| \d+\.\d\d× \| (yes|no) \|/);
    assert.ok(json.summaries.length >= 16 && json.summaries.every((s) => s.rps.median > 0));
    assert.match(fs.readFileSync(path.join(out, 'chart.svg'), 'utf8'), /^<svg[\s\S]*<\/svg>\n$/);
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('compares two builds in alternating runs (here this build against itself)', () => {
    const tree = path.join(__dirname, '..', '..', '..');
    const result = spawnSync(
      process.execPath,
      [
        path.join(__dirname, '..', 'bench', 'compare.js'),
        tree,
        tree,
        '--pairs',
        '2',
        '--seconds',
        '0.5',
        '--secrets',
        '100',
        '--audit-events',
        '200',
        '--put',
      ],
      {
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env },
      },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /^PUT on SQLite, 1 worker\(s\), req\/s, 2 pairs of 0.5 s\npair 1: before \d+, after \d+\npair 2: before \d+, after \d+\nmedian: before \d+, after \d+ \(\d+\.\d\d×\)\n$/,
    );
  });
});
