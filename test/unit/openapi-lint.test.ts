/** The OpenAPI document, linted with Spectral's OpenAPI rules: nothing at any severity, so that standard tooling takes it as it is. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadOpenApiDocument } from '../../src/http/openapi';

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

  it('lists, for every API operation, each status it can answer besides its own: 400, 429 and 503, and 413 and 415 where it takes a body', () => {
    const paths = loadOpenApiDocument().paths as Record<
      string,
      Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>
    >;
    const gaps: string[] = [];
    for (const [route, item] of Object.entries(paths)) {
      if (!route.startsWith('/v1/') || route === '/v1/openapi.json') continue;
      for (const [method, operation] of Object.entries(item)) {
        if (method === 'parameters') continue;
        const wanted = ['400', '429', '503', ...(operation.requestBody === undefined ? [] : ['413', '415'])];
        for (const status of wanted) if (!(status in operation.responses)) gaps.push(`${method.toUpperCase()} ${route} ${status}`);
      }
    }
    assert.deepEqual(gaps, []);
  });
});
