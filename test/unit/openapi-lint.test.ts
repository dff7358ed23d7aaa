/** The OpenAPI document, linted with Spectral's OpenAPI rules: nothing at any severity, so that standard tooling takes it as it is. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

const REPO = path.resolve(__dirname, '..', '..', '..');

describe('the OpenAPI document under Spectral', () => {
  it('has no error, warning, info or hint', () => {
    const spectral = path.join(REPO, 'node_modules', '.bin', 'spectral');
    const result = spawnSync(
      spectral,
      ['lint', 'schemas/openapi.yaml', '--ruleset', 'schemas/spectral.yaml', '--format', 'json', '--fail-severity', 'hint', '--quiet'],
      { cwd: REPO, encoding: 'utf8', timeout: 120_000 },
    );
    const findings = JSON.parse(result.stdout || '[]') as Array<{ code: string; message: string; path: string[] }>;
    assert.deepEqual(
      findings.map((finding) => `${finding.code} at ${finding.path.join('.')}: ${finding.message}`),
      [],
    );
    assert.equal(result.status, 0, result.stderr);
  });
});
