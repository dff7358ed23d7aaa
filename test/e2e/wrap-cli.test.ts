/**
 * wrap, unwrap and run --wrapped as people use them, against a real
 * `serve`; then a search of everything the service wrote (the database
 * files, its output, the audit trail) for the wrap tokens and the wrapped
 * value, which must find neither.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/databases';
import { runCli, startServer, type RunningServer } from '../support/processes';

const MARKER = 'wrap-marker-Jq4w7Z';

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

describe('wrap and unwrap from the command line', () => {
  let cwd: string;
  let server: RunningServer;
  let env: Record<string, string>;
  const tokens: string[] = [];
  const cli = (args: string[], input?: string) => runCli(args, { cwd, env, input });

  before(async () => {
    cwd = tempDir('scoped-secrets-wrap-cli-');
    server = await startServer({ cwd });
    env = { SECRETS_URL: server.url, SECRETS_TOKEN_FILE: path.join(cwd, 'data', 'root.token') };
    fs.writeFileSync(path.join(cwd, 'v.json'), JSON.stringify({ user: 'deployer', password: MARKER }));
    assert.equal(cli(['put', 'ci/db', '--expires', '1d', '--file', 'v.json']).status, 0);
  });
  after(async () => {
    await server.stop('SIGKILL');
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('wraps, unwraps once from standard input, and says so in one line the second time', () => {
    const wrapped = cli(['wrap', 'ci/db', '--ttl', '10m']);
    assert.equal(wrapped.status, 0, wrapped.stderr);
    assert.match(wrapped.stdout, /^sswrap_[A-Za-z0-9_-]{43}\n$/);
    tokens.push(wrapped.stdout.trim());
    const first = runCli(['unwrap', '--field', 'password'], { cwd, env: { SECRETS_URL: server.url }, input: wrapped.stdout });
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout, `${MARKER}\n`);
    const second = runCli(['unwrap'], { cwd, env: { SECRETS_URL: server.url }, input: wrapped.stdout });
    assert.equal(second.status, 2);
    assert.equal(second.stdout, '');
    assert.equal(
      second.stderr,
      'scoped-secrets: the wrap token is unknown, already unwrapped (by someone else, if not by you) or expired\n',
    );
  });

  it('wraps a file, and unwraps from --token-file with --json', () => {
    const wrapped = cli(['wrap', '--file', 'v.json', '--ttl', '1h']);
    tokens.push(wrapped.stdout.trim());
    fs.writeFileSync(path.join(cwd, 'file.wrap'), wrapped.stdout);
    const taken = cli(['unwrap', '--token-file', 'file.wrap', '--json']);
    assert.equal(taken.status, 0, taken.stderr);
    const body = JSON.parse(taken.stdout);
    assert.equal(body.value.password, MARKER);
    assert.equal(body.creator, 'root');
    assert.equal(body.key, undefined);
    assert.equal(cli(['unwrap', '--token-file', 'v.json']).stderr, 'scoped-secrets: v.json does not hold a wrap token (sswrap_…)\n');
    assert.equal(cli(['wrap', 'ci/db', '--file', 'v.json', '--ttl', '1m']).status, 1);
  });

  it('run --wrapped exports the fields, masked, and spends the token', () => {
    const wrapped = cli(['wrap', 'ci/db', '--ttl', '10m']);
    tokens.push(wrapped.stdout.trim());
    fs.writeFileSync(path.join(cwd, 'task.wrap'), wrapped.stdout);
    const script = 'console.log(process.env.USER_NAME ?? "", process.env.PASSWORD === process.argv[1] ? "same" : "different")';
    const ran = cli([
      'run',
      '--wrapped',
      'task.wrap',
      '--uppercase',
      '--',
      process.execPath,
      '-e',
      script.replace('USER_NAME', 'USER'),
      MARKER,
    ]);
    assert.equal(ran.status, 0, ran.stderr);
    assert.equal(ran.stdout, '*** same\n', 'values arrive, and are masked in the output');
    const again = cli(['run', '--wrapped', 'task.wrap', '--', process.execPath, '-e', "require('fs').writeFileSync('started', '')"]);
    assert.equal(again.status, 2);
    assert.equal(fs.existsSync(path.join(cwd, 'started')), false, 'a spent token never starts the command');
  });

  it('leaves no wrap token and no wrapped value in the database files, the output or the audit trail', async () => {
    assert.equal(tokens.length, 3);
    const audit = await fetch(`${server.url}/v1/audit?limit=1000`, {
      headers: { Authorization: `Bearer ${fs.readFileSync(env.SECRETS_TOKEN_FILE as string, 'utf8').trim()}` },
    });
    const places: Array<[string, Buffer]> = [
      ['the server output', Buffer.from(server.output())],
      ['GET /v1/audit', Buffer.from(await audit.text())],
      ...filesUnder(path.join(cwd, 'data')).map((file): [string, Buffer] => [file, fs.readFileSync(file)]),
    ];
    assert.ok(places.some(([name]) => name.endsWith('secrets.db')));
    for (const [name, contents] of places) {
      for (const needle of [MARKER, ...tokens]) assert.equal(contents.includes(needle), false, `${name} holds ${needle.slice(0, 10)}…`);
    }
  });
});
