/** The client commands, `run` and `proxy`, against a real `serve`, as a CI task, a worker and an administrator use them. */
import assert from 'node:assert/strict';
import { signatureOf } from '../support/tokens';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/databases';
import { closedPort, runCli, startCli, startServer, waitFor, type RunningServer } from '../support/processes';

const MARKER = 'cli-marker-Zq8vX2';

describe('client commands, run and proxy', () => {
  let cwd: string;
  let server: RunningServer;
  let env: Record<string, string>;
  /** Every output that must not show a value, checked for the marker at the end. */
  const quietOutputs: Array<[string, string]> = [];

  const cli = (args: string[], input?: string, extraEnv: Record<string, string> = {}) => {
    const result = runCli(args, { cwd, env: { ...env, ...extraEnv }, input });
    return result;
  };
  const quiet = (args: string[], input?: string, extraEnv: Record<string, string> = {}) => {
    const result = cli(args, input, extraEnv);
    quietOutputs.push([args.join(' '), result.stdout + result.stderr]);
    return result;
  };

  before(async () => {
    cwd = tempDir('scoped-secrets-e2e-');
    server = await startServer({ cwd });
    env = { SECRETS_URL: server.url, SECRETS_TOKEN_FILE: path.join(cwd, 'data', 'root.token') };
    fs.writeFileSync(path.join(cwd, 'db.json'), JSON.stringify({ user: 'deployer', password: MARKER, port: 5432 }));
  });
  after(async () => {
    await server.stop('SIGKILL');
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  describe('get, put, list, delete, whoami', () => {
    it('puts from a file and by prompt from piped stdin, printing metadata only', () => {
      const fromFile = quiet(['put', 'ci/db', '--expires', '1d', '--file', 'db.json']);
      assert.equal(fromFile.status, 0, fromFile.stderr);
      assert.match(fromFile.stdout, /^stored ci\/db version 1, expires \d{4}-/);
      const prompted = quiet(
        ['put', 'ci/aws', '--expires', '2030-01-01T00:00:00Z', '--prompt', 'access_key', 'secret_key'],
        `AKIA${MARKER}\nsk-${MARKER}\n`,
      );
      assert.equal(prompted.status, 0, prompted.stderr);
      assert.equal(JSON.parse(cli(['get', 'ci/aws']).stdout).secret_key, `sk-${MARKER}`);
    });

    it('gets one field raw, non-strings as JSON, and the whole value as JSON', () => {
      assert.equal(cli(['get', 'ci/db', '--field', 'password']).stdout, `${MARKER}\n`);
      assert.equal(cli(['get', 'ci/db', '--field', 'port']).stdout, '5432\n');
      assert.deepEqual(JSON.parse(cli(['get', 'ci/db']).stdout).user, 'deployer');
      const json = JSON.parse(cli(['get', 'ci/db', '--json']).stdout);
      assert.equal(json.version, 1);
      const missingField = cli(['get', 'ci/db', '--field', 'nope']);
      assert.equal(missingField.status, 2);
      assert.match(missingField.stderr, /^scoped-secrets: ci\/db has no field "nope"\n$/);
    });

    it('lists keys without values unless asked', () => {
      const plain = quiet(['list', 'ci']);
      assert.equal(plain.status, 0, plain.stderr);
      assert.match(plain.stdout, /^ci\/aws\tv1\texpires .*\nci\/db\tv1\texpires .*\n$/);
      const shown = cli(['list', 'ci', '--show-values']);
      assert.ok(shown.stdout.includes(MARKER));
    });

    it('whoami shows the token, and errors are one line with exit 2 (server) or 1 (usage)', async () => {
      const me = quiet(['whoami']);
      assert.match(
        me.stdout,
        /^subject {2}root\nscopes {3}secret:\*:\*\* token:\*:\*\* audit:read:\*\* trust:\*:\*\* wrap:value:\*\* dynamic:\*:\*\*\nexpires {2}\d{4}-.*\njti {6}[0-9a-f]{32}\n$/,
      );
      assert.equal(JSON.parse(quiet(['whoami', '--json']).stdout).subject, 'root');
      const missing = cli(['get', 'ci/missing']);
      assert.equal(missing.status, 3, 'not found has an exit code of its own');
      assert.equal(missing.stderr, 'scoped-secrets: no secret at ci/missing\n');
      for (const args of [
        ['get', 'ci//bad'],
        ['put', 'ci/x', '--expires', 'soon', '--file', 'db.json'],
        ['put', 'ci/x', '--expires', '1d'],
        ['get'],
      ]) {
        const usage = cli(args);
        assert.equal(usage.status, 1, args.join(' '));
        assert.ok(!usage.stderr.includes('    at '), 'stack trace');
      }
      const noToken = runCli(['whoami'], { cwd, env: { SECRETS_URL: server.url } });
      assert.equal(noToken.status, 1);
      assert.match(noToken.stderr, /SECRETS_TOKEN/);
      const port = await closedPort();
      const unreachable = runCli(['whoami'], { cwd, env: { ...env, SECRETS_URL: `http://127.0.0.1:${port}` } });
      assert.equal(unreachable.status, 2);
      assert.equal(unreachable.stderr, `scoped-secrets: cannot reach http://127.0.0.1:${port} (ECONNREFUSED)\n`);
    });

    it('deletes, with --if-version guarding against a concurrent change', () => {
      quiet(['put', 'ci/tmp', '--expires', '1h', '--file', 'db.json']);
      assert.equal(cli(['delete', 'ci/tmp', '--if-version', '2']).status, 2);
      const deleted = quiet(['delete', 'ci/tmp', '--if-version', '1']);
      assert.equal(deleted.status, 0, deleted.stderr);
      assert.equal(cli(['get', 'ci/tmp']).status, 3, 'gone');
    });
  });

  describe('run', () => {
    const node = process.execPath;

    it('injects --from fields and --env values, withholds the token, and returns the exit status', () => {
      const script =
        'const e = process.env; console.log(JSON.stringify({ user: e.user, port: e.port, aws: e.AWS, key: e.KEY, token: e.SECRETS_TOKEN_FILE ?? null })); process.exit(7)';
      const result = quiet([
        'run',
        '--from',
        'ci/db',
        '--env',
        'AWS=ci/aws',
        '--env',
        'KEY=ci/aws#access_key',
        '--env',
        'user=ci/aws#secret_key',
        '--no-mask',
        '--',
        node,
        '-e',
        script,
      ]);
      // --no-mask output holds values by request, so it is not one of the quiet outputs.
      quietOutputs.pop();
      assert.equal(result.status, 7, result.stderr);
      const seen = JSON.parse(result.stdout);
      assert.equal(seen.user, `sk-${MARKER}`, '--env wins over --from');
      assert.equal(seen.port, '5432');
      assert.deepEqual(JSON.parse(seen.aws), { access_key: `AKIA${MARKER}`, secret_key: `sk-${MARKER}` });
      assert.equal(seen.key, `AKIA${MARKER}`);
      assert.equal(seen.token, null);
    });

    it('refuses --from fields that are not variable names, naming each, and starts nothing', () => {
      fs.writeFileSync(path.join(cwd, 'odd.json'), '{"fine":"yes","1bad-name":"x"}');
      assert.equal(cli(['put', 'ci/odd', '--expires', '1h', '--file', 'odd.json']).status, 0);
      const result = cli(['run', '--from', 'ci/odd', '--no-mask', '--', node, '-e', "require('fs').writeFileSync('started-odd', '')"]);
      assert.equal(result.status, 1);
      assert.equal(
        result.stderr,
        'scoped-secrets: field "1bad-name" of ci/odd: "1bad-name" is not a variable name; the command was not started\n',
      );
      assert.equal(fs.existsSync(path.join(cwd, 'started-odd')), false);
    });

    describe("a writer who plants variables that steer its readers' programs", () => {
      const ran = () => path.join(cwd, 'planted-code-ran');
      before(() => {
        // Code the writer wants run: by bash through BASH_ENV, by node through NODE_OPTIONS, by the loader through LD_PRELOAD.
        fs.writeFileSync(path.join(cwd, 'planted.sh'), `touch ${ran()}\n`);
        fs.writeFileSync(path.join(cwd, 'planted.js'), `require('fs').writeFileSync(${JSON.stringify(ran())}, '')\n`);
        const planted = {
          BASH_ENV: path.join(cwd, 'planted.sh'),
          NODE_OPTIONS: `--require ${path.join(cwd, 'planted.js')}`,
          LD_PRELOAD: '/nonexistent.so',
          user: 'deployer',
        };
        fs.writeFileSync(path.join(cwd, 'planted.json'), JSON.stringify(planted));
        assert.equal(cli(['put', 'ci/planted', '--expires', '1h', '--file', 'planted.json']).status, 0);
      });

      it('refuses them with the key and every field named, and runs neither bash nor node', () => {
        for (const command of [
          ['bash', '-c', 'echo started'],
          [node, '-e', 'console.log("started")'],
        ]) {
          const result = cli(['run', '--from', 'ci/planted', '--', ...command]);
          assert.equal(result.status, 1, result.stderr);
          assert.equal(result.stdout, '');
          assert.equal(
            result.stderr,
            'scoped-secrets: field "BASH_ENV" of ci/planted: BASH_ENV steers how programs start, so it is not set from a secret unless --allow-env BASH_ENV names it; ' +
              'field "NODE_OPTIONS" of ci/planted: NODE_OPTIONS steers how programs start, so it is not set from a secret unless --allow-env NODE_OPTIONS names it; ' +
              'field "LD_PRELOAD" of ci/planted: LD_PRELOAD steers how programs start, so it is not set from a secret unless --allow-env LD_PRELOAD names it; the command was not started\n',
          );
          assert.equal(fs.existsSync(ran()), false, 'the planted code ran');
        }
        const exported = cli(['export', 'ci/planted', '--format', 'shell']);
        assert.equal(exported.status, 1);
        assert.equal(exported.stdout, '');
        assert.match(exported.stderr, /field "BASH_ENV" of ci\/planted: BASH_ENV steers how programs start.*; nothing was printed\n$/);
      });

      it('sets one only when the reader names it with --allow-env, on the command line', () => {
        const allowPlanted = ['BASH_ENV', 'NODE_OPTIONS', 'LD_PRELOAD'].flatMap((name) => ['--allow-env', name]);
        const result = cli(['run', '--from', 'ci/planted', ...allowPlanted, '--', 'bash', '-c', 'echo "$user"']);
        assert.equal(result.status, 0, result.stderr);
        assert.equal(fs.existsSync(ran()), true, 'with the opt-in, bash read BASH_ENV');
        fs.rmSync(ran());
        const exported = cli(['export', 'ci/planted', '--format', 'json', ...allowPlanted]);
        assert.equal(exported.status, 0, exported.stderr);
        assert.equal(JSON.parse(exported.stdout).user, 'deployer');
      });
    });

    it('names variables from fields in upper case and with a prefix on request', () => {
      const result = cli([
        'run',
        '--from',
        'ci/db',
        '--uppercase',
        '--prefix',
        'DB_',
        '--no-mask',
        '--',
        node,
        '-e',
        'console.log(process.env.DB_USER, process.env.DB_PORT, process.env.user ?? "none")',
      ]);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout, 'deployer 5432 none\n');
      assert.equal(cli(['run', '--from', 'ci/db', '--prefix', '1X', '--', node, '-e', '0']).status, 1);
    });

    it('masks values split across chunks on both stdout and stderr', () => {
      const script = `
        const secret = process.env.PW;
        const half = Math.floor(secret.length / 2);
        process.stdout.write('out: ' + secret.slice(0, half));
        process.stderr.write('err: ' + secret.slice(0, 3));
        setTimeout(() => {
          process.stdout.write(secret.slice(half) + ' done\\n');
          process.stderr.write(secret.slice(3) + ' done\\n');
        }, 150);`;
      const result = quiet(['run', '--env', 'PW=ci/db#password', '--', node, '-e', script]);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout, 'out: *** done\n');
      assert.equal(result.stderr, 'err: *** done\n');
    });

    it('never starts the command when a secret is missing, and names every missing one', () => {
      const result = quiet([
        'run',
        '--env',
        'A=ci/db#user',
        '--env',
        'B=ci/does-not-exist',
        '--from',
        'ci/gone',
        '--',
        node,
        '-e',
        "require('fs').writeFileSync('started-2', '')",
      ]);
      assert.equal(result.status, 3);
      assert.equal(result.stderr, 'scoped-secrets: no secret at ci/gone; no secret at ci/does-not-exist; the command was not started\n');
      assert.equal(fs.existsSync(path.join(cwd, 'started-2')), false);
    });

    it('executes directly, not through a shell', () => {
      const result = quiet(['run', '--env', 'A=ci/db#user', '--', 'echo', '$A', '; echo', 'injected']);
      assert.equal(result.stdout, '$A ; echo injected\n');
    });

    it('gives 127 for a command that does not exist, and 128+n for one killed by signal n', () => {
      assert.equal(cli(['run', '--env', 'A=ci/db#user', '--', 'no-such-command-xyz']).status, 127);
      const killed = cli(['run', '--env', 'A=ci/db#user', '--', node, '-e', "process.kill(process.pid, 'SIGKILL')"]);
      assert.equal(killed.status, 137);
    });

    it('forwards SIGTERM to the command and returns its exit status', async () => {
      const script =
        "process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(42); }); console.log('ready'); setInterval(() => {}, 1000);";
      const running = startCli(['run', '--env', 'A=ci/db#user', '--', node, '-e', script], { cwd, env });
      await waitFor(async () => (running.output.stdout.includes('ready') ? true : undefined), 10_000, 'the child to start');
      running.child.kill('SIGTERM');
      const { code } = await running.exited;
      assert.equal(code, 42);
      assert.match(running.output.stdout, /got SIGTERM/);
    });
  });

  describe('credentials in transit and at rest', () => {
    // The service's own address, written so that it is not recognised as loopback: a stand-in for another host.
    const notLoopback = () => server.url.replace('127.0.0.1', '[::ffff:127.0.0.1]');

    it('refuses to send a token over plain http to another host unless SECRETS_ALLOW_INSECURE_HTTP=true', () => {
      const refused = cli(['whoami'], undefined, { SECRETS_URL: notLoopback() });
      assert.equal(refused.status, 1);
      assert.match(
        refused.stderr,
        /^scoped-secrets: SECRETS_URL: refusing to send credentials over plain http to \[::ffff:7f00:1\]:\d+: use https:\/\/, or set SECRETS_ALLOW_INSECURE_HTTP=true on a network you trust\n$/,
      );
      const proxy = runCli(['proxy', '--upstream', notLoopback(), '--token-file', path.join(cwd, 'data', 'root.token')], { cwd, env: {} });
      assert.equal(proxy.status, 1);
      assert.match(proxy.stderr, /--upstream: refusing to send credentials over plain http/);
      const allowed = cli(['whoami'], undefined, { SECRETS_URL: notLoopback(), SECRETS_ALLOW_INSECURE_HTTP: 'true' });
      assert.equal(allowed.status, 0, allowed.stderr);
      assert.match(allowed.stdout, /^subject {2}root\n/);
    });

    it('warns, as ssh does, of a token file that group or others may read, and uses it', () => {
      const open = path.join(cwd, 'open.token');
      fs.writeFileSync(open, fs.readFileSync(path.join(cwd, 'data', 'root.token')), { mode: 0o644 });
      fs.chmodSync(open, 0o644);
      const warned = cli(['whoami', '--token-file', open]);
      assert.equal(warned.status, 0, warned.stderr);
      assert.equal(
        warned.stderr,
        `scoped-secrets: warning: --token-file ${open} is open to group or others (mode 0644): chmod 600 ${open}\n`,
      );
      fs.chmodSync(open, 0o600);
      assert.equal(cli(['whoami', '--token-file', open]).stderr, '');
    });
  });

  describe('proxy', () => {
    let proxyUrl: string;
    let proxy: ReturnType<typeof startCli>;
    const tokenFile = () => path.join(cwd, 'task.token');

    before(async () => {
      const taskToken = cli(['token', 'create', '--subject', 'ci/task-1', '--scope', 'secret:get:ci/db', '--ttl', '1h']).stdout.trim();
      fs.writeFileSync(tokenFile(), `${taskToken}\n`, { mode: 0o600 });
      proxy = startCli(['proxy', '--listen', '127.0.0.1:0', '--upstream', server.url, '--token-file', tokenFile()], { cwd, env: {} });
      const port = await waitFor(
        async () => /proxy listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(proxy.output.stdout)?.[1],
        10_000,
        'the proxy',
      );
      proxyUrl = `http://127.0.0.1:${port}`;
    });
    after(async () => {
      proxy.child.kill('SIGTERM');
      const { code } = await proxy.exited;
      assert.equal(code, 0, 'the proxy exits cleanly on SIGTERM');
      assert.ok(!proxy.output.stdout.includes(MARKER) && !proxy.output.stderr.includes(MARKER));
      const taskToken = fs.readFileSync(tokenFile(), 'utf8').trim();
      assert.ok(!proxy.output.stdout.includes(signatureOf(taskToken)), 'the proxy logged a token');
    });

    it('replaces a forged Authorization header with the token from the file', async () => {
      const root = fs.readFileSync(path.join(cwd, 'data', 'root.token'), 'utf8').trim();
      const read = await fetch(`${proxyUrl}/v1/secret/ci/db`, { headers: { Authorization: `Bearer ${root}` } });
      assert.equal(read.status, 200);
      const forged = await fetch(`${proxyUrl}/v1/secret/ci/aws`, { headers: { Authorization: `Bearer ${root}` } });
      assert.equal(forged.status, 403, 'the root token must not pass through the proxy');
      const who = (await (await fetch(`${proxyUrl}/v1/whoami`, { headers: { Authorization: 'Bearer forged.token.value' } })).json()) as {
        subject: string;
      };
      assert.equal(who.subject, 'ci/task-1');
      const body = await fetch(`${proxyUrl}/v1/secret/ci/db`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ value: { a: 1 }, expires: '2030-01-01T00:00:00Z' }),
      });
      assert.equal(body.status, 403);
    });

    /** A request exactly as given: fetch would normalise the path and set Host itself. */
    const send = (method: string, target: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const { port } = new URL(proxyUrl);
        const call = http.request(
          { host: '127.0.0.1', port, method, path: target, headers: { host: `127.0.0.1:${port}`, ...headers } },
          (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        call.on('error', reject);
        call.end(method === 'POST' ? JSON.stringify({ scopes: [], ttl: 60 }) : undefined);
      });

    it('refuses a Host that is not its listen address, and any request from a web page', async () => {
      const { port } = new URL(proxyUrl);
      assert.equal((await send('GET', '/v1/secret/ci/db')).status, 200);
      assert.equal((await send('GET', '/v1/secret/ci/db', { host: `localhost:${port}` })).status, 200);
      for (const host of ['attacker.example', `attacker.example:${port}`, '127.0.0.1:1']) {
        const rebound = await send('GET', '/v1/secret/ci/db', { host });
        assert.equal(rebound.status, 403, host);
        assert.doesNotMatch(rebound.body, new RegExp(MARKER));
      }
      const fromPage = await send('GET', '/v1/secret/ci/db', { origin: 'http://attacker.example' });
      assert.equal(fromPage.status, 403);
    });

    it('forwards only reads and listings unless --allow names more', async () => {
      const mint = await send('POST', '/v1/tokens', { 'content-type': 'application/json' });
      assert.equal(mint.status, 403);
      assert.match(mint.body, /--allow token:create/);
      assert.equal((await send('POST', '/v1/tokens/revoke', { 'content-type': 'application/json' })).status, 403);
      assert.equal((await send('DELETE', '/v1/secret/ci/db')).status, 403);
      assert.equal((await send('GET', '/v1/audit')).status, 403);
      assert.equal((await send('GET', '/v1/secrets?prefix=ci')).status, 200);

      const minting = startCli(
        ['proxy', '--listen', '127.0.0.1:0', '--upstream', server.url, '--token-file', tokenFile(), '--allow', 'token:create'],
        { cwd, env: {} },
      );
      try {
        const port = await waitFor(
          async () => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(minting.output.stdout)?.[1],
          10_000,
          'the proxy',
        );
        const res = await fetch(`http://127.0.0.1:${port}/v1/tokens`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ scopes: [], ttl: 60 }),
        });
        assert.equal(res.status, 201);
      } finally {
        minting.child.kill('SIGTERM');
        await minting.exited;
      }
      const unknown = cli(['proxy', '--upstream', server.url, '--token-file', tokenFile(), '--allow', 'everything']);
      assert.equal(unknown.status, 1);
      assert.match(unknown.stderr, /--allow everything: expected one of/);
    });

    it('refuses dot segments and encoded dots or slashes in the path', async () => {
      for (const target of [
        '/v1/../../admin',
        '/v1/secret/../../admin',
        '/v1/secret/ci/./db',
        '/v1/secret/%2e%2e/x',
        '/v1/secret/ci%2Fdb',
        '/v1/%2E%2E/admin',
        '/v1/secret/ci\\db',
      ]) {
        const res = await send('GET', target);
        assert.equal(res.status, 400, target);
        assert.equal(JSON.parse(res.body).code, 'InvalidRequest', target);
      }
    });

    it('picks up a token file replaced by an atomic rename while it runs', async () => {
      const next = cli(['token', 'create', '--subject', 'ci/task-2', '--scope', 'secret:get:ci/aws', '--ttl', '1h']).stdout.trim();
      const temporary = `${tokenFile()}.new`;
      fs.writeFileSync(temporary, `${next}\n`, { mode: 0o600 });
      fs.renameSync(temporary, tokenFile());
      await waitFor(
        async () =>
          ((await (await fetch(`${proxyUrl}/v1/whoami`)).json()) as { subject: string }).subject === 'ci/task-2' ? true : undefined,
        5000,
        'the proxy to use the new token',
      );
      assert.equal((await fetch(`${proxyUrl}/v1/secret/ci/aws`)).status, 200);
    });

    it('answers /healthz itself, 404 elsewhere outside /v1/, and 502 when the upstream is unreachable', async () => {
      const outside = await fetch(`${proxyUrl}/readyz`);
      assert.equal(outside.status, 404);
      assert.equal(((await outside.json()) as { code: string }).code, 'NotFound');
      const orphan = startCli(
        ['proxy', '--listen', '127.0.0.1:0', '--upstream', `http://127.0.0.1:${await closedPort()}`, '--token-file', tokenFile()],
        { cwd, env: {} },
      );
      const port = await waitFor(
        async () => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(orphan.output.stdout)?.[1],
        10_000,
        'the proxy',
      );
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.status, 200, 'the proxy is alive even while its upstream is not');
      assert.deepEqual(await health.json(), { status: 'ok' });
      const res = await fetch(`http://127.0.0.1:${port}/v1/whoami`);
      assert.equal(res.status, 502);
      orphan.child.kill('SIGTERM');
      await orphan.exited;
    });

    it('refuses to start without a readable token file, or on a remote address without --allow-remote', () => {
      const missing = cli(['proxy', '--upstream', server.url, '--token-file', path.join(cwd, 'nope.token')]);
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /cannot read a token from/);
      const remote = cli(['proxy', '--listen', '0.0.0.0:0', '--upstream', server.url, '--token-file', tokenFile()]);
      assert.equal(remote.status, 1);
      assert.match(remote.stderr, /--allow-remote/);
    });
  });

  it('no command prints a value unless asked to (get, list --show-values, run --no-mask)', () => {
    quiet(['token', 'derive', '--scope', 'secret:get:ci/db', '--ttl', '5m']);
    quiet(['keys', 'status']);
    assert.ok(quietOutputs.length >= 10);
    for (const [command, output] of quietOutputs) {
      assert.ok(!output.includes(MARKER), `"${command}" printed a value`);
    }
  });
});
