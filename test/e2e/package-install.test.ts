/**
 * The npm package: `npm pack` of this build, installed into an empty
 * prefix as `npm install -g` would, every dependency from the registry (or
 * npm's cache), and run with none of the repository's node_modules in
 * reach: the installed executable says its version and serves.
 *
 * better-sqlite3 installs a prebuilt binary where one fits, downloaded
 * from its releases; this machine cannot download it, and compiling it
 * takes minutes. So the install is handed, as a local prebuild, the
 * binary `npm ci` compiled here: the same file a download would bring.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/databases';
import { startListening, type RunningServer } from '../support/processes';

const REPO = path.resolve(__dirname, '..', '..', '..');
const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

/** A better-sqlite3 prebuild, named as its install looks for one, holding the binary compiled here. */
function localPrebuilds(folder: string): string {
  const module = path.join(REPO, 'node_modules', 'better-sqlite3');
  const { version } = JSON.parse(fs.readFileSync(path.join(module, 'package.json'), 'utf8')) as { version: string };
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  fs.mkdirSync(folder, { recursive: true });
  const tar = spawnSync('tar', ['-czf', path.join(folder, name), '-C', module, 'build/Release/better_sqlite3.node'], { encoding: 'utf8' });
  assert.equal(tar.status, 0, tar.stderr);
  return folder;
}

function npm(args: string[], cwd: string, extra: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  // No NODE_PATH, and a folder outside the repository: nothing of the repository's node_modules is in reach.
  // The CA of a TLS-intercepting proxy between this machine and the registry, when there is one, is passed on.
  const ca = process.env.NODE_EXTRA_CA_CERTS === undefined ? {} : { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS };
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', JOBS: 'max', ...ca, ...extra };
  const result = spawnSync('npm', args, { cwd, env, encoding: 'utf8', timeout: 600_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the npm package', () => {
  const work = tempDir('scoped-secrets-package-');
  const prefix = path.join(work, 'prefix');
  const executable = path.join(prefix, 'bin', 'scoped-secrets');
  let server: RunningServer | undefined;
  let packed: string[] = [];

  before(() => {
    const pack = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work, REPO], work);
    assert.equal(pack.status, 0, pack.stderr);
    const [report] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    assert.ok(report);
    packed = report.files.map((file) => file.path);
    const prebuilds = { npm_config_better_sqlite3_local_prebuilds: localPrebuilds(path.join(work, 'prebuilds')) };
    const install = npm(
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        // npm 11 runs a dependency's install script only when allowed: these two bring the native addons.
        '--allow-scripts=better-sqlite3,pkcs11js',
        path.join(work, report.filename),
      ],
      work,
      prebuilds,
    );
    assert.equal(install.status, 0, install.stderr);
  });

  after(async () => {
    await server?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('holds the compiled service, its migrations, the console, the client and the OpenAPI document, and no tests or sources', () => {
    for (const file of [
      'dist/src/main.js',
      'dist/migrations/20261122000000_secrets.js',
      'dist/console/index.html',
      'dist/cli/scoped-secrets.mjs',
      'schemas/openapi.yaml',
    ]) {
      assert.ok(packed.includes(file), `${file} is packed`);
    }
    const stray = packed.filter(
      (file) => file.startsWith('dist/test/') || file.startsWith('src/') || file.endsWith('.ts') || file.endsWith('.map'),
    );
    assert.deepEqual(stray, []);
  });

  it('runs --version and serves /healthz from the installed package, with no build step', async () => {
    const version = spawnSync(executable, ['--version'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    assert.equal(version.stdout, `${VERSION}\n`, version.stderr);
    const cwd = path.join(work, 'serve');
    fs.mkdirSync(cwd);
    server = await startListening([executable, 'serve', '--port', '0'], { cwd, env: { SECRETS_SWEEP_INTERVAL: '60' } });
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok', version: VERSION });
    assert.equal((await fetch(`${server.url}/cli/scoped-secrets.mjs`)).status, 200, 'the package serves its client');
  });
});
