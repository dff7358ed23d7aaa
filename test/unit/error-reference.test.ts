/** The HTTP API reference names every error code the service can answer, with its status. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const REPO = path.resolve(__dirname, '..', '..', '..');

describe('docs/reference/http-api.md', () => {
  it('lists each error code of src/errors.ts beside its status', () => {
    const source = fs.readFileSync(path.join(REPO, 'src', 'errors.ts'), 'utf8');
    const page = fs.readFileSync(path.join(REPO, 'docs', 'reference', 'http-api.md'), 'utf8');
    const codes = [...source.matchAll(/super\(\s*(\d{3}),\s*'(\w+)'/g)].map(([, status, code]) => [status ?? '', code ?? '']);
    assert.ok(codes.length >= 15, `${codes.length} codes found`);
    const errors = page.slice(page.indexOf('The codes:'), page.indexOf('## Order of checks'));
    for (const [status, code] of codes) {
      const at = errors.indexOf(`\`${code}\``);
      assert.ok(at >= 0, `${code} is listed`);
      assert.ok(errors.slice(at).match(/\((\d{3})/)?.[1] === status, `${code} is listed under ${status}`);
    }
  });
});
