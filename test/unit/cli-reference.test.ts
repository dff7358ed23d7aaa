/** The CLI reference page cannot drift from the commands: it is their own --help, checked here. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { CLI_REFERENCE, expectedPage, GENERATED_MARKER } from '../support/cli-reference';

describe('docs/reference/cli.md', () => {
  it('holds every command exactly as its --help prints it (npm run docs:cli rewrites it)', () => {
    const page = fs.readFileSync(CLI_REFERENCE, 'utf8');
    assert.ok(page.includes(GENERATED_MARKER), 'the page has its generated part');
    assert.equal(page, expectedPage(page), 'the page differs from the commands: run npm run docs:cli');
  });

  it('names every command, inject and token list among them', () => {
    const page = fs.readFileSync(CLI_REFERENCE, 'utf8');
    for (const command of ['get', 'put', 'run', 'export', 'inject', 'token list', 'audit list', 'trust issuers', 'serve', 'keys rotate']) {
      assert.ok(page.includes(`### \`scoped-secrets ${command}\``), command);
    }
  });
});
