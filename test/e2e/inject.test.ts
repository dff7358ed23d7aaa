/** inject, as a worker renders a config file from a template: real serve, real CLI processes, real files. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/databases';
import { runCli, runCliOnTerminal, startServer, type RunningServer } from '../support/processes';

const PASSWORD = 'inject-marker-pw-7Hq2';

describe('inject', () => {
  let cwd: string;
  let server: RunningServer;
  let env: Record<string, string>;
  const cli = (args: string[], input?: string) => runCli(args, { cwd, env, input });
  const file = (name: string) => path.join(cwd, name);
  const template = (name: string, text: string) => fs.writeFileSync(file(name), text);

  before(async () => {
    cwd = tempDir('scoped-secrets-inject-');
    server = await startServer({ cwd });
    env = { SECRETS_URL: server.url, SECRETS_TOKEN_FILE: path.join(cwd, 'data', 'root.token'), HOME: path.join(cwd, 'home') };
    fs.writeFileSync(file('db.json'), JSON.stringify({ user: 'app', password: PASSWORD, port: 5432 }));
    assert.equal(cli(['put', 'ci/db', '--expires', '1d', '--file', 'db.json']).status, 0);
    fs.writeFileSync(file('planted.json'), JSON.stringify({ note: '{{ secret "ci/db" "password" }}' }));
    assert.equal(cli(['put', 'ci/planted', '--expires', '1d', '--file', 'planted.json']).status, 0);
  });
  after(async () => {
    await server.stop('SIGKILL');
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('renders fields, whole values and nothing else into a new file with mode 0600', () => {
    template(
      'app.env.tpl',
      [
        'DB_USER={{ secret "ci/db" "user" }}',
        'DB_PASSWORD={{secret "ci/db" "password"}}',
        'DB_PORT={{ secret "ci/db" "port" }}',
        'DB={{ secret "ci/db" }}',
        'HELM={{ .Values.image }}',
        '',
      ].join('\n'),
    );
    const result = cli(['inject', '--in', 'app.env.tpl', '--out', 'app.env']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout + result.stderr, '', 'no value on any output');
    assert.equal(
      fs.readFileSync(file('app.env'), 'utf8'),
      [
        'DB_USER=app',
        `DB_PASSWORD=${PASSWORD}`,
        'DB_PORT=5432',
        `DB={"user":"app","password":"${PASSWORD}","port":5432}`,
        'HELM={{ .Values.image }}',
        '',
      ].join('\n'),
    );
    assert.equal(fs.statSync(file('app.env')).mode & 0o777, 0o600);
  });

  it('puts a value in as it is: a value that looks like a reference is not read again', () => {
    template('planted.tpl', 'NOTE={{ secret "ci/planted" "note" }}\n');
    assert.equal(cli(['inject', '-i', 'planted.tpl', '-o', 'planted.out']).status, 0);
    assert.equal(fs.readFileSync(file('planted.out'), 'utf8'), 'NOTE={{ secret "ci/db" "password" }}\n');
  });

  it('replaces a file it wrote, and refuses one it did not write, or one changed since, unless --force', () => {
    template('again.tpl', 'P={{ secret "ci/db" "password" }}\n');
    assert.equal(cli(['inject', '-i', 'again.tpl', '-o', 'again.out']).status, 0);
    assert.equal(cli(['inject', '-i', 'again.tpl', '-o', 'again.out']).status, 0, 'its own file, unchanged, is replaced');

    fs.writeFileSync(file('mine.txt'), 'precious\n');
    const refused = cli(['inject', '-i', 'again.tpl', '-o', 'mine.txt']);
    assert.equal(refused.status, 1);
    assert.equal(
      refused.stderr,
      `scoped-secrets: mine.txt exists and inject did not write it, or it changed since: nothing was written (--force replaces it)\n`,
    );
    assert.equal(fs.readFileSync(file('mine.txt'), 'utf8'), 'precious\n');

    fs.appendFileSync(file('again.out'), 'edited by hand\n');
    assert.equal(cli(['inject', '-i', 'again.tpl', '-o', 'again.out']).status, 1, 'changed since inject wrote it');

    fs.symlinkSync(file('mine.txt'), file('link.out'));
    assert.equal(cli(['inject', '-i', 'again.tpl', '-o', 'link.out']).status, 1, 'a link is not followed');
    assert.equal(fs.readFileSync(file('mine.txt'), 'utf8'), 'precious\n');

    fs.chmodSync(file('mine.txt'), 0o644);
    assert.equal(cli(['inject', '-i', 'again.tpl', '-o', 'mine.txt', '--force']).status, 0);
    assert.equal(fs.readFileSync(file('mine.txt'), 'utf8'), `P=${PASSWORD}\n`);
    assert.equal(fs.statSync(file('mine.txt')).mode & 0o777, 0o600, 'replaced by a file only its owner reads');
  });

  it('writes nothing when a secret or a field is missing, or the template is malformed, and says where', () => {
    template('missing.tpl', 'A={{ secret "ci/db" "user" }}\nB={{ secret "ci/none" "x" }}\n');
    const missing = cli(['inject', '-i', 'missing.tpl', '-o', 'missing.out']);
    assert.equal(missing.status, 3);
    assert.match(missing.stderr, /ci\/none.*nothing was written\n$/);
    template('field.tpl', 'A={{ secret "ci/db" "nope" }}\n');
    const field = cli(['inject', '-i', 'field.tpl', '-o', 'missing.out']);
    assert.equal(field.status, 1);
    assert.equal(field.stderr, 'scoped-secrets: line 1: ci/db has no field "nope"; nothing was written\n');
    template('bad.tpl', 'ok\n\nX={{ secret ci/db }}\n');
    const bad = cli(['inject', '-i', 'bad.tpl', '-o', 'missing.out']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^scoped-secrets: line 3: expected \{\{ secret "KEY" \}\}/);
    assert.equal(fs.existsSync(file('missing.out')), false);
  });

  it('prints to standard output when it is not a terminal, and on a terminal only with --show-values', () => {
    const piped = cli(['inject'], 'P={{ secret "ci/db" "password" }}\n');
    assert.equal(piped.status, 0, piped.stderr);
    assert.equal(piped.stdout, `P=${PASSWORD}\n`);
    template('tty.tpl', 'P={{ secret "ci/db" "password" }}\n');
    const terminal = runCliOnTerminal(['inject', '-i', 'tty.tpl'], { cwd, env });
    assert.equal(terminal.status, 1);
    assert.ok(!terminal.output.includes(PASSWORD));
    assert.match(terminal.output, /standard output is a terminal: give --out FILE, or --show-values/);
    const shown = runCliOnTerminal(['inject', '-i', 'tty.tpl', '--show-values'], { cwd, env });
    assert.equal(shown.status, 0);
    assert.equal(shown.output, `P=${PASSWORD}\n`);
  });

  it('reads only what the token may read', () => {
    const narrow = runCli(['token', 'create', '--subject', 'narrow', '--scope', 'secret:get:ci/planted', '--ttl', '10m'], {
      cwd,
    }).stdout.trim();
    const denied = runCli(['inject', '-i', 'again.tpl', '-o', 'denied.out'], {
      cwd,
      env: { ...env, SECRETS_TOKEN_FILE: '', SECRETS_TOKEN: narrow },
    });
    assert.equal(denied.status, 2);
    assert.match(denied.stderr, /InsufficientScopes/);
    assert.equal(fs.existsSync(file('denied.out')), false);
  });
});
