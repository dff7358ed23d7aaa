/** The metrics reference names every metric the service exports, and no other of its own. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Metrics } from '../../src/http/metrics';

const PAGE = path.resolve(__dirname, '..', '..', '..', 'docs', 'reference', 'metrics.md');

describe('docs/reference/metrics.md', () => {
  it('documents each scoped_secrets_ metric, with its labels', () => {
    const metrics = new Metrics(async () => 0);
    metrics.watchReadiness(() => ({ ready: true, reasons: [] }));
    const page = fs.readFileSync(PAGE, 'utf8');
    const exported = metrics.registry.getMetricsAsArray().filter((metric) => metric.name.startsWith('scoped_secrets_'));
    assert.ok(exported.length >= 10);
    for (const metric of exported) {
      const row = page.split('\n').find((line) => line.startsWith(`| \`${metric.name}\` |`));
      assert.ok(row, `${metric.name} has a row`);
      const labels = (metric as { labelNames?: string[] }).labelNames ?? [];
      for (const label of labels) assert.ok(row.includes(`\`${label}\``), `${metric.name}: label ${label}`);
    }
    const documented = [...page.matchAll(/^\| `(scoped_secrets_[a-z_]+)` \|/gm)].map((match) => match[1]);
    assert.deepEqual(documented.sort(), exported.map((metric) => metric.name).sort(), 'no row for a metric that does not exist');
  });
});
