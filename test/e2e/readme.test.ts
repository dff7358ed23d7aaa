/**
 * The README, followed to the letter: every shell block not marked for
 * another machine runs, in order, in one bash session, in a folder laid out
 * like a fresh clone, against a real `serve` started there as `npm start`
 * would. A block that fails fails the test, with the output that led to it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/databases';
import { closedPort, startServer, type RunningServer } from '../support/processes';

const REPO = path.resolve(__dirname, '..', '..', '..');
const NOT_RUN = /^<!-- not run by the README test: .+ -->$/;

interface ShellBlock {
  readonly line: number;
  readonly text: string;
}

/** The ```sh blocks of the README, but for those whose preceding line marks them as not run here. */
function runnableShellBlocks(readme: string): ShellBlock[] {
  const lines = readme.split('\n');
  const blocks: ShellBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    if (lines[index] !== '```sh') continue;
    const end = lines.indexOf('```', index + 1);
    assert.ok(end > index, `the block at line ${index + 1} is not closed`);
    if (!NOT_RUN.test(lines[index - 1] ?? '')) blocks.push({ line: index + 1, text: lines.slice(index + 1, end).join('\n') });
    index = end;
  }
  return blocks;
}

describe('the README, run top to bottom', () => {
  let clone: string;
  let server: RunningServer;

  before(async () => {
    // A fresh clone's layout, built: the sources' outputs and dependencies, without copying them.
    clone = tempDir('scoped-secrets-readme-');
    for (const entry of ['package.json', 'package-lock.json', 'dist', 'node_modules', 'schemas', 'README.md']) {
      fs.symlinkSync(path.join(REPO, entry), path.join(clone, entry));
    }
    server = await startServer({ cwd: clone });
  });
  after(async () => {
    await server.stop('SIGKILL');
    fs.rmSync(clone, { recursive: true, force: true });
  });

  it('runs every shell block in order, and each does what the README says', async () => {
    const blocks = runnableShellBlocks(fs.readFileSync(path.join(REPO, 'README.md'), 'utf8'));
    assert.ok(blocks.length >= 8, `only ${blocks.length} runnable blocks found`);
    const proxyPort = await closedPort();
    // The README's addresses are the defaults; here the server and the proxy run on free ports.
    const script = [
      'set -eo pipefail',
      ...blocks.map((block) => `echo "### README line ${block.line}"\n${block.text}`),
      'echo "### README done"',
    ]
      .join('\n')
      .replaceAll('127.0.0.1:8080', `127.0.0.1:${server.port}`)
      .replaceAll('127.0.0.1:8081', `127.0.0.1:${proxyPort}`);
    const prefix = path.join(clone, '.npm-prefix');
    const result = spawnSync('bash', ['-c', script], {
      cwd: clone,
      encoding: 'utf8',
      timeout: 240_000,
      env: {
        PATH: `${path.join(prefix, 'bin')}:${process.env.PATH ?? ''}`,
        HOME: process.env.HOME ?? clone,
        // `npm link` installs into this prefix, not into the machine's global folder.
        npm_config_prefix: prefix,
        npm_config_update_notifier: 'false',
      },
    });
    const output = `${result.stdout}\n--- stderr ---\n${result.stderr}`;
    assert.equal(result.status, 0, `a README block failed:\n${output.slice(-6000)}`);
    assert.match(result.stdout, /### README done/);
    // Spot checks that the blocks did what the README says they do.
    assert.match(result.stdout, /^deploying with key \*\*\* and a password of 20 characters$/m, 'run masks the values');
    assert.match(result.stdout, /^ETag: "1"\r?$/im, 'the tour shows the ETag');
    assert.match(result.stdout, /^ss\.mjs: OK$/m, 'the downloaded client matches its ETag');
    assert.match(result.stdout, /^staple-battery-horse$/m, 'get --field prints the prompted password');
    assert.match(result.stdout, /^task\.token is refused from now on$/m, 'the revoked task token is refused');
    assert.match(result.stdout, /^audit chain ok: \d+ events/m);
    assert.match(result.stdout, /^the broker cannot read it$/m, 'a broker with secret:wrap alone cannot read');
    assert.match(result.stdout, /^got a secret key of 18 characters$/m, 'run --wrapped exports the unwrapped fields');
    assert.match(result.stdout, /^already taken: if not by this task, then by someone else$/m, 'a wrap token works once');
    assert.match(result.stdout, /^correct-horse-staple$/m, 'a shared value is unwrapped');
  });
});
