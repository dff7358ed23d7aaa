/**
 * The README and docs/, followed to the letter: every shell block not
 * marked for another machine runs, in one bash session (the README's, then
 * each page's in the order docs/README.md lists them), in a folder laid
 * out like a fresh clone, against a real `serve` started there as
 * `npm start` would. A block that fails fails the test, with the page and
 * line and the output that led to it. Every relative link must lead to a
 * page and a heading that exist.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/databases';
import { closedPort, startServer, type RunningServer } from '../support/processes';

const REPO = path.resolve(__dirname, '..', '..', '..');
const NOT_RUN = /^<!-- not run by the docs test: .+ -->$/;

interface ShellBlock {
  readonly page: string;
  readonly line: number;
  readonly text: string;
}

/** The ```sh blocks of a page, but for those whose preceding line marks them as not run here. */
function runnableShellBlocks(page: string): ShellBlock[] {
  const lines = fs.readFileSync(path.join(REPO, page), 'utf8').split('\n');
  const blocks: ShellBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    if (lines[index] !== '```sh') continue;
    const end = lines.indexOf('```', index + 1);
    assert.ok(end > index, `${page}: the block at line ${index + 1} is not closed`);
    if (!NOT_RUN.test(lines[index - 1] ?? '')) blocks.push({ page, line: index + 1, text: lines.slice(index + 1, end).join('\n') });
    index = end;
  }
  return blocks;
}

/** Every .md file under docs/, relative to the repository. */
function docsPages(dir = 'docs'): string[] {
  return fs.readdirSync(path.join(REPO, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return docsPages(relative);
    return entry.name.endsWith('.md') ? [relative] : [];
  });
}

/** The pages in the order docs/README.md links them; each must be linked there. */
function pagesInOrder(): string[] {
  const index = fs.readFileSync(path.join(REPO, 'docs', 'README.md'), 'utf8');
  const linked = [...index.matchAll(/\]\(([^)#]+\.md)(?:#[^)]*)?\)/g)]
    .map((match) => path.posix.join('docs', match[1] ?? ''))
    .filter((page) => page.startsWith('docs/'));
  const ordered = [...new Set(linked)];
  const unlisted = docsPages().filter((page) => page !== 'docs/README.md' && !ordered.includes(page));
  assert.deepEqual(unlisted, [], 'every page under docs/ is linked from docs/README.md');
  return ordered;
}

/** GitHub's anchor for a heading: lower case, punctuation gone, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function headingAnchors(file: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6} (.+)$/.exec(line)?.[1];
    if (heading) anchors.add(anchorOf(heading));
  }
  return anchors;
}

describe('the README, run top to bottom', () => {
  let clone: string;
  let server: RunningServer;

  before(async () => {
    // A fresh clone's layout, built: the sources' outputs and dependencies, without copying them.
    clone = tempDir('scoped-secrets-readme-');
    for (const entry of ['package.json', 'package-lock.json', 'dist', 'node_modules', 'schemas', 'README.md', 'docs']) {
      fs.symlinkSync(path.join(REPO, entry), path.join(clone, entry));
    }
    server = await startServer({ cwd: clone });
  });
  after(async () => {
    await server.stop('SIGKILL');
    fs.rmSync(clone, { recursive: true, force: true });
  });

  it('stays an introduction: under 350 lines, one click from what readers look for most', () => {
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    assert.ok(readme.split('\n').length < 350, `${readme.split('\n').length} lines`);
    for (const target of [
      'docs/guides/github-actions.md',
      'docs/reference/configuration.md',
      'docs/operations.md#when-things-fail',
      'docs/security.md',
      'docs/getting-started.md',
      'docs/reference/cli.md',
    ]) {
      assert.ok(readme.includes(`](${target})`), target);
    }
    assert.match(fs.readFileSync(path.join(REPO, 'docs', 'operations.md'), 'utf8'), /The disk fills up \(SQLite\)/);
  });

  it('links only to pages and headings that exist', () => {
    const broken: string[] = [];
    for (const page of ['README.md', 'CONTRIBUTING.md', 'SECURITY.md', 'CHANGELOG.md', ...docsPages()]) {
      const text = fs.readFileSync(path.join(REPO, page), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [file = '', anchor] = target.split('#');
        const resolved = file === '' ? path.join(REPO, page) : path.resolve(path.dirname(path.join(REPO, page)), file);
        if (!fs.existsSync(resolved)) broken.push(`${page}: ${target} (no such file)`);
        else if (anchor !== undefined && resolved.endsWith('.md') && !headingAnchors(resolved).has(anchor))
          broken.push(`${page}: ${target} (no such heading)`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('runs every shell block in order, and each does what the page says', async () => {
    const pages = ['README.md', ...pagesInOrder()];
    const blocks = pages.flatMap(runnableShellBlocks);
    assert.ok(blocks.length >= 20, `only ${blocks.length} runnable blocks found`);
    const proxyPort = await closedPort();
    // The README's addresses are the defaults; here the server and the proxy run on free ports.
    const script = [
      'set -eo pipefail',
      ...blocks.map((block) => `echo "### ${block.page} line ${block.line}"\n${block.text}`),
      'echo "### docs done"',
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
        // inject records the files it wrote in the user's state folder: here, the clone's.
        XDG_STATE_HOME: path.join(clone, '.state'),
        // `npm link` installs into this prefix, not into the machine's global folder.
        npm_config_prefix: prefix,
        npm_config_update_notifier: 'false',
      },
    });
    const output = `${result.stdout}\n--- stderr ---\n${result.stderr}`;
    assert.equal(result.status, 0, `a block failed:\n${output.slice(-6000)}`);
    assert.match(result.stdout, /### docs done/);
    // Spot checks that the blocks did what the README says they do.
    assert.match(result.stdout, /^deploying with key \*\*\* and a password of 20 characters$/m, 'run masks the values');
    assert.match(result.stdout, /^ETag: "1"\r?$/im, 'the tour shows the ETag');
    assert.match(result.stdout, /^304$/m, 'a conditional read of the current version is 304');
    assert.match(result.stdout, /^ss\.mjs: OK$/m, 'the downloaded client matches its ETag');
    assert.match(result.stdout, /^staple-battery-horse$/m, 'get --field prints the prompted password');
    assert.match(result.stdout, /^task\.token is refused from now on$/m, 'the revoked task token is refused');
    assert.match(result.stdout, /^audit chain ok: \d+ events/m);
    assert.match(result.stdout, /^the broker cannot read it$/m, 'a broker with secret:wrap alone cannot read');
    assert.match(result.stdout, /^got a secret key of 18 characters$/m, 'run --wrapped exports the unwrapped fields');
    assert.match(result.stdout, /^already taken: if not by this task, then by someone else$/m, 'a wrap token works once');
    assert.match(result.stdout, /^correct-horse-staple$/m, 'a shared value is unwrapped');
    assert.match(
      result.stdout,
      /^connecting as web with a password of 20 characters and key \*\*\*$/m,
      'the tutorial task reads its prefix',
    );
    assert.match(result.stdout, /^the task cannot read ci\/db$/m, 'the tutorial task is refused elsewhere');
    assert.match(result.stdout, /^tutorial-task\.token is refused from now on$/m, 'the tutorial revokes its token');
    assert.match(result.stdout, /^pushing as \*\*\* with key \*\*\*$/m, 'run reads a whole prefix');
    assert.match(result.stdout, /^600 app\.yaml$/m, 'inject writes a file only its owner reads');
    assert.match(result.stdout, /^database copied$/m, 'the SQLite backup is taken');
    assert.equal(result.stdout.match(/^quarterly$/gm)?.length, 2, 'run --lease reads through PostgreSQL and Redis credentials');
    assert.match(result.stdout, /^an AMQP URL of \d+ characters$/m, 'run --lease draws a RabbitMQ credential');
    assert.match(result.stdout, /^\{"leases":\[\]\}$/m, 'no lease is left once run has exited');
  });
});
