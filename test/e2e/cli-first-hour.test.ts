/**
 * The command line as a newcomer meets it: every message a person reads
 * when something is off, the output scripts parse, and the commands that
 * must refuse to run in the wrong folder. Real `serve`, real CLI processes.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/databases';
import { closedPort, MAIN, runCli, runCliOnTerminal, startCli, startServer, waitFor, type RunningServer } from '../support/processes';

const VERSION = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string })
  .version;

/** The whole of stderr is one line, and nothing went to stdout. */
function assertOneLine(result: { stdout: string; stderr: string }, expected: string | RegExp): void {
  assert.equal(result.stdout, '');
  assert.equal(result.stderr.split('\n').length, 2, `one line, got:\n${result.stderr}`);
  if (typeof expected === 'string') assert.equal(result.stderr, `${expected}\n`);
  else assert.match(result.stderr, expected);
}

describe('the command line for a newcomer', () => {
  let cwd: string;
  let server: RunningServer;
  let env: Record<string, string>;
  const cli = (args: string[], input?: string, extra: Record<string, string> = {}) =>
    runCli(args, { cwd, env: { ...env, ...extra }, input });

  before(async () => {
    cwd = tempDir('scoped-secrets-cli-');
    server = await startServer({ cwd });
    env = { SECRETS_URL: server.url, SECRETS_TOKEN_FILE: path.join(cwd, 'data', 'root.token') };
    fs.writeFileSync(path.join(cwd, 'db.json'), JSON.stringify({ user: 'app', password: 'pw-4f2a9c' }));
    assert.equal(cli(['put', 'ci/db', '--expires', '1d', '--file', 'db.json']).status, 0);
  });
  after(async () => {
    await server.stop('SIGKILL');
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  describe('version and usage', () => {
    it("prints the version with --version, and the server's with `version`", async () => {
      assert.equal(cli(['--version']).stdout, `${VERSION}\n`);
      const both = cli(['version']);
      assert.equal(both.status, 0, both.stderr);
      assert.equal(both.stdout, `scoped-secrets ${VERSION}\nserver ${VERSION} at ${server.url}\n`);
      const port = await closedPort();
      const alone = cli(['version', '--json', '--url', `http://127.0.0.1:${port}`]);
      assert.equal(alone.status, 0, alone.stderr);
      assert.deepEqual(JSON.parse(alone.stdout), { client: VERSION, server: null, url: `http://127.0.0.1:${port}` });
    });

    it('answers a usage error with one line pointing at --help, exit 1', () => {
      const cases: Array<[string[], string]> = [
        [['get', 'ci/db', '--bogus'], "scoped-secrets: unknown option '--bogus' (see scoped-secrets get --help)"],
        [['get'], "scoped-secrets: missing required argument 'key' (see scoped-secrets get --help)"],
        [
          ['put', 'ci/x', '--expires', '1d', '--file', 'db.json', '--prompt', 'a'],
          "scoped-secrets: option '--file <path>' cannot be used with option '--prompt <fields...>' (see scoped-secrets put --help)",
        ],
        [
          ['token', 'derive', '--scope', 'secret:get:ci/**'],
          "scoped-secrets: required option '--ttl <duration>' not specified (see scoped-secrets token derive --help)",
        ],
        [['nonsense'], "scoped-secrets: unknown command 'nonsense' (see scoped-secrets --help)"],
      ];
      for (const [args, line] of cases) {
        const result = cli(args);
        assert.equal(result.status, 1, args.join(' '));
        assertOneLine(result, line);
      }
    });

    it("shows examples in every command's --help", () => {
      const commands = [
        ['serve'],
        ['migrate'],
        ['sweep'],
        ['get'],
        ['put'],
        ['delete'],
        ['list'],
        ['whoami'],
        ['export'],
        ['run'],
        ['proxy'],
        ['version'],
        ['completion'],
        ['wrap'],
        ['unwrap'],
        ['login'],
        ['trust', 'put'],
        ['trust', 'get'],
        ['trust', 'delete'],
        ['trust', 'list'],
        ['token', 'create'],
        ['token', 'derive'],
        ['token', 'revoke'],
        ['keys', 'status'],
        ['keys', 'rotate'],
        ['keys', 'retire'],
        ['audit', 'verify'],
        ['audit', 'list'],
        ['audit', 'tail'],
      ];
      for (const command of commands) {
        const help = cli([...command, '--help']);
        assert.equal(help.status, 0);
        assert.match(help.stdout, /\nExamples?:\n {2}\S/, command.join(' '));
      }
    });

    it('exits quietly when its reader closes the pipe early', async () => {
      const child = spawn(process.execPath, [MAIN, 'completion', 'bash'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise((resolve) => child.once('exit', resolve));
      assert.equal(stderr, '');
      assert.equal(code, 0);
    });
  });

  describe('messages a person can act on', () => {
    it('names the key that is missing, and the version it is at', () => {
      assertOneLine(cli(['get', 'ci/nope']), 'scoped-secrets: no secret at ci/nope');
      assertOneLine(cli(['get', 'ci/db', '--version', '9']), 'scoped-secrets: no version 9 of ci/db');
      assertOneLine(
        cli(['put', 'ci/db', '--expires', '1d', '--file', 'db.json', '--if-version', '3']),
        'scoped-secrets: ci/db is at version 1, not 3',
      );
      assertOneLine(cli(['delete', 'ci/db', '--if-version', '3']), 'scoped-secrets: ci/db is at version 1, not 3');
      assertOneLine(cli(['delete', 'ci/nope', '--if-version', '3']), 'scoped-secrets: no secret at ci/nope');
      assertOneLine(
        cli(['put', 'ci/db', '--expires', '1d', '--file', 'db.json', '--create-only']),
        'scoped-secrets: ci/db already exists (version 1)',
      );
    });

    it('says where a --file stops being JSON, without quoting it', () => {
      fs.writeFileSync(path.join(cwd, 'bad.json'), '{\n  "user": "app",\n  "password": hunter2-secret\n}\n');
      const result = cli(['put', 'ci/bad', '--expires', '1d', '--file', 'bad.json']);
      assert.equal(result.status, 1);
      assertOneLine(result, 'scoped-secrets: bad.json is not valid JSON: line 3, column 15');
    });

    it('refuses --prompt fields that standard input does not fill', () => {
      const result = cli(['put', 'ci/p', '--expires', '1d', '--prompt', 'a', 'b'], 'only-one\n');
      assert.equal(result.status, 1);
      assertOneLine(result, 'scoped-secrets: standard input holds 1 line, but --prompt asks for 2 (one line per field)');
      assert.equal(cli(['get', 'ci/p']).status, 3, 'nothing was stored');
    });

    it('takes a date-only --expires as midnight UTC, refuses the past, and lists with a trailing slash', () => {
      const stored = cli(['put', 'ci/dated', '--expires', '2099-01-31', '--file', 'db.json', '--json']);
      assert.equal(stored.status, 0, stored.stderr);
      assert.equal(JSON.parse(stored.stdout).expires, '2099-01-31T00:00:00.000Z');
      const past = cli(['put', 'ci/dated', '--expires', '2020-01-01', '--file', 'db.json']);
      assert.equal(past.status, 1);
      assertOneLine(past, 'scoped-secrets: --expires 2020-01-01 is in the past');
      assert.match(cli(['list', 'ci/']).stdout, /^ci\/dated\tv1\t.*\nci\/db\tv1\t/);
    });

    it("warns when a derived token's lifetime was capped", () => {
      const derived = cli(['token', 'derive', '--scope', 'secret:get:ci/**', '--ttl', '90d']);
      assert.equal(derived.status, 0, derived.stderr);
      assert.match(derived.stdout, /^ey[\w-]+\.[\w-]+\.[\w-]+\n$/);
      assert.match(
        derived.stderr,
        /^scoped-secrets: warning: the token expires at \S+, sooner than --ttl 90d asked: capped by your token or the server's maximum\n$/,
      );
      assert.equal(cli(['token', 'derive', '--scope', 'secret:get:ci/**', '--ttl', '10m']).stderr, '');
    });

    it('tells an empty listing from one the token may not see', () => {
      const derived = cli(['token', 'derive', '--scope', 'secret:get:ci/**', '--ttl', '10m']);
      fs.writeFileSync(path.join(cwd, 'get-only.token'), derived.stdout, { mode: 0o600 });
      const blind = cli(['list', 'ci', '--token-file', 'get-only.token']);
      assert.equal(blind.status, 0);
      assert.equal(blind.stderr, 'your token may not list anything under ci (it has no secret:list scope reaching it)\n');
      const empty = cli(['list', 'nothing/here']);
      assert.equal(empty.stderr, 'no secrets under nothing/here\n');
    });
  });

  describe('output for scripts', () => {
    it('prints JSON with --json: whoami, list, keys status, token derive, audit list', () => {
      const me = JSON.parse(cli(['whoami', '--json']).stdout);
      assert.equal(me.subject, 'root');
      assert.match(me.jti, /^[0-9a-f]{32}$/);
      const listed = JSON.parse(cli(['list', 'ci', '--json']).stdout) as Array<{ key: string; version: number }>;
      assert.ok(listed.some((row) => row.key === 'ci/db' && row.version === 1));
      const status = JSON.parse(cli(['keys', 'status', '--json']).stdout) as {
        seal: { provider: string };
        keys: Array<{ id: string; versions: number; active: boolean }>;
      };
      assert.equal(status.seal.provider, 'none');
      const { keys } = status;
      assert.equal(keys.length, 1);
      assert.equal(keys[0]?.active, true);
      assert.ok((keys[0]?.versions ?? 0) >= 1);
      const derived = JSON.parse(cli(['token', 'derive', '--scope', 'secret:get:ci/**', '--ttl', '10m', '--json']).stdout);
      assert.match(derived.jti, /^[0-9a-f]{32}$/);
      assert.ok(Date.parse(derived.expires) > Date.now());
      const events = JSON.parse(cli(['audit', 'list', '--key', 'ci/db', '--json']).stdout) as Array<{ action: string; key: string }>;
      assert.ok(events.some((event) => event.action === 'secret.write' && event.key === 'ci/db'));
      assert.equal(cli(['put', 'ci/short', '--expires', '1h', '--file', 'db.json']).status, 0);
      assert.deepEqual(JSON.parse(cli(['delete', 'ci/short', '--json']).stdout), { deleted: 'ci/short' });
      const verdict = JSON.parse(cli(['audit', 'verify', '--json']).stdout);
      assert.equal(verdict.ok, true);
      assert.match(verdict.head, /^ahead1\./);
      assert.deepEqual(Object.keys(JSON.parse(cli(['sweep', '--json']).stdout)).sort(), [
        'audit events',
        'leases',
        'revocations',
        'secrets',
        'signing keys',
        'wraps',
      ]);
    });

    it('audit list prints one line per event, newest first unless --oldest-first, and stops at --limit', async () => {
      assert.equal(cli(['get', 'ci/db']).status, 0);
      // A read's event is written when its response has finished: wait for it to be the newest.
      const read = /^\d{4}-\S+\tsecret\.read\t200\troot\tci\/db\t127\.0\.0\.1$/;
      const newest = await waitFor(
        async () => {
          const lines = cli(['audit', 'list', '--key', 'ci/db', '--limit', '2']).stdout.trimEnd().split('\n');
          return read.test(lines[0] ?? '') ? lines : undefined;
        },
        10_000,
        'the read as the newest event',
      );
      assert.equal(newest.length, 2);
      const oldest = cli(['audit', 'list', '--key', 'ci/db', '--limit', '2', '--oldest-first']).stdout.trimEnd().split('\n');
      assert.equal(oldest.length, 2);
      assert.match(oldest[0] ?? '', /^\d{4}-\S+\tsecret\.write\t201\troot\tci\/db\t127\.0\.0\.1$/);

      const ids = (args: string[]) =>
        (JSON.parse(cli(['audit', 'list', '--key', 'ci/db', '--json', ...args]).stdout) as Array<{ id: number }>).map((event) => event.id);
      const descending = ids([]);
      assert.ok(descending.length >= 2);
      assert.deepEqual(
        descending,
        [...descending].sort((a, b) => b - a),
        '--json lists newest first too',
      );
      assert.deepEqual(ids(['--oldest-first']), [...descending].reverse());
    });

    it('audit list on a terminal prints a header and aligned columns', () => {
      const result = runCliOnTerminal(['audit', 'list', '--key', 'ci/db', '--oldest-first'], { cwd, env });
      assert.equal(result.status, 0, result.output);
      const [header, ...rows] = result.output.trimEnd().split('\n');
      assert.match(header ?? '', /^TIME +ACTION +STATUS +SUBJECT +KEY +CLIENT$/);
      assert.ok(rows.length >= 2);
      assert.match(rows[0] ?? '', /^\d{4}-\S+ +secret\.write +201 +root +ci\/db +127\.0\.0\.1$/);
      for (const column of ['ACTION', 'STATUS', 'SUBJECT', 'KEY', 'CLIENT']) {
        const at = header?.indexOf(column) ?? -1;
        for (const row of rows) assert.ok(row[at - 1] === ' ' && row[at] !== ' ', `${column} starts where its header does in: ${row}`);
      }
    });

    it('audit tail prints events as they happen', async () => {
      const tail = startCli(['audit', 'tail', '--key', 'ci/tailed', '--since', '1m', '--interval', '0.2'], { cwd, env });
      try {
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.equal(cli(['put', 'ci/tailed', '--expires', '1h', '--file', 'db.json']).status, 0);
        await waitFor(
          async () => (tail.output.stdout.includes('secret.write\t201\troot\tci/tailed') ? true : undefined),
          10_000,
          'the tailed event',
        );
      } finally {
        tail.child.kill('SIGTERM');
        await tail.exited;
      }
    });

    it('exports as dotenv, shell and JSON, and put --from-dotenv reads the dotenv back', () => {
      fs.writeFileSync(path.join(cwd, 'odd.json'), JSON.stringify({ quote: "it's", lines: 'a\nb', dollar: '$HOME "x"', port: 5432 }));
      assert.equal(cli(['put', 'ci/odd', '--expires', '1d', '--file', 'odd.json']).status, 0);
      const json = JSON.parse(cli(['export', 'ci/odd', '--format', 'json', '--uppercase', '--prefix', 'APP_']).stdout);
      assert.deepEqual(json, { APP_QUOTE: "it's", APP_LINES: 'a\nb', APP_DOLLAR: '$HOME "x"', APP_PORT: '5432' });
      const shell = cli(['export', 'ci/odd', '--format', 'shell']).stdout;
      const evaluated = spawnSync('bash', ['-c', `${shell}\nprintf '%s|%s|%s|%s' "$quote" "$lines" "$dollar" "$port"`], {
        encoding: 'utf8',
      });
      assert.equal(evaluated.stdout, `it's|a\nb|$HOME "x"|5432`);
      fs.writeFileSync(path.join(cwd, 'odd.env'), cli(['export', 'ci/odd']).stdout);
      assert.equal(cli(['put', 'ci/odd-copy', '--expires', '1d', '--from-dotenv', 'odd.env']).status, 0);
      assert.deepEqual(JSON.parse(cli(['get', 'ci/odd-copy']).stdout), { quote: "it's", lines: 'a\nb', dollar: '$HOME "x"', port: '5432' });
      const missing = cli(['export', 'ci/nope', 'ci/db', 'ci/gone']);
      assert.equal(missing.status, 3, 'not found has an exit code of its own');
      assertOneLine(missing, 'scoped-secrets: no secret at ci/nope; no secret at ci/gone; nothing was printed');
    });

    it('completes commands and options in bash', () => {
      const script = cli(['completion', 'bash']).stdout;
      const complete = (line: string) => {
        const words = line.split(' ');
        const probe = `${script}\nCOMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _scoped_secrets; printf '%s\\n' "\${COMPREPLY[@]}"`;
        return spawnSync('bash', ['-c', probe], { encoding: 'utf8' }).stdout.trim().split('\n');
      };
      assert.deepEqual(complete('scoped-secrets to'), ['token']);
      assert.deepEqual(complete('scoped-secrets token d'), ['derive']);
      assert.ok(complete('scoped-secrets get ci/db --f').includes('--field'));
      assert.ok(complete('scoped-secrets audit ').includes('tail'));
      assert.match(cli(['completion', 'zsh']).stdout, /bashcompinit[\s\S]*complete -o default -F _scoped_secrets scoped-secrets/);
    });
  });

  describe('global options', () => {
    it('takes --url and --token-file before or after the command, and a SECRETS_URL ending in /v1', () => {
      const bare = { SECRETS_URL: '', SECRETS_TOKEN_FILE: '' };
      const token = path.join(cwd, 'data', 'root.token');
      assert.equal(cli(['--url', server.url, '--token-file', token, 'get', 'ci/db', '--field', 'user'], undefined, bare).stdout, 'app\n');
      assert.equal(cli(['get', 'ci/db', '--field', 'user', '--url', server.url, '--token-file', token], undefined, bare).stdout, 'app\n');
      assert.equal(cli(['get', 'ci/db', '--field', 'user'], undefined, { SECRETS_URL: `${server.url}/v1/` }).stdout, 'app\n');
      assertOneLine(
        cli(['whoami'], undefined, bare),
        'scoped-secrets: no token: set SECRETS_TOKEN or SECRETS_TOKEN_FILE, or give --token-file',
      );
      assertOneLine(
        cli(['whoami', '--url', 'ftp://x'], undefined, bare),
        'scoped-secrets: --url must be an http:// or https:// URL: ftp://x',
      );
    });
  });
});

describe('the first start on a wildcard address', () => {
  it('suggests a curl to an address that can be reached, not 0.0.0.0', async () => {
    const cwd = tempDir('scoped-secrets-wildcard-');
    const server = await startServer({ cwd, args: ['--host', '0.0.0.0'] });
    try {
      assert.match(
        server.output(),
        /try: curl -s -H "Authorization: Bearer \$\(cat data\/root\.token\)" http:\/\/127\.0\.0\.1:\d+\/v1\/whoami/,
      );
    } finally {
      await server.stop('SIGKILL');
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('reads wait out Retry-After on 429', () => {
  it("a second read within the rate limit's refill succeeds after waiting, not with an error", async () => {
    const cwd = tempDir('scoped-secrets-cli-429-');
    const server = await startServer({ cwd, env: { SECRETS_RATE_LIMIT: '1/s,burst=1' } });
    try {
      const env = { SECRETS_URL: server.url, SECRETS_TOKEN_FILE: path.join(cwd, 'data', 'root.token') };
      const first = runCli(['whoami'], { cwd, env });
      assert.equal(first.status, 0, first.stderr);
      const second = runCli(['whoami'], { cwd, env });
      assert.equal(second.status, 0, second.stderr);
    } finally {
      await server.stop('SIGKILL');
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('commands that run on the server host', () => {
  it('refuse in a folder with no installation, with one line, and create nothing', () => {
    const cwd = tempDir('scoped-secrets-empty-');
    try {
      const database = `no database at ${path.join(cwd, 'data', 'secrets.db')}`;
      const cases: Array<[string[], string]> = [
        [['migrate'], `scoped-secrets: ${database} (set SECRETS_DB, or run this where serve runs, or give --create to make one)`],
        [['sweep'], `scoped-secrets: ${database} (set SECRETS_DB, or run this on the server host, where serve runs, with its environment)`],
        [
          ['audit', 'verify'],
          `scoped-secrets: ${database} (set SECRETS_DB, or run this on the server host, where serve runs, with its environment)`,
        ],
        [
          ['keys', 'status'],
          `scoped-secrets: ${database} (set SECRETS_DB, or run this on the server host, where serve runs, with its environment)`,
        ],
        [
          ['keys', 'rotate'],
          `scoped-secrets: ${database} (set SECRETS_DB, or run this on the server host, where serve runs, with its environment)`,
        ],
        [
          ['keys', 'retire', 'k1'],
          `scoped-secrets: ${database} (set SECRETS_DB, or run this on the server host, where serve runs, with its environment)`,
        ],
        [
          ['token', 'create', '--subject', 'ci', '--scope', 'secret:get:ci/**', '--ttl', '1h'],
          `scoped-secrets: ${database} (set SECRETS_DB, or run this on the server host, where serve runs, with its environment)`,
        ],
      ];
      for (const [args, line] of cases) {
        const result = runCli(args, { cwd });
        assert.equal(result.status, 1, args.join(' '));
        assertOneLine(result, line);
        assert.deepEqual(fs.readdirSync(cwd), [], `${args.join(' ')} created something`);
      }
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('migrate --create makes the database; then the others name the keyring that is missing', () => {
    const cwd = tempDir('scoped-secrets-empty-');
    try {
      const created = runCli(['migrate', '--create'], { cwd });
      assert.equal(created.status, 0, created.stderr);
      assert.match(created.stdout, /^applied /);
      assert.equal(runCli(['migrate'], { cwd }).stdout, 'already up to date\n');
      const keys = runCli(['keys', 'status'], { cwd });
      assert.equal(keys.status, 1);
      assertOneLine(
        keys,
        'scoped-secrets: no keyring at ./data/keyring.json (set SECRETS_KEYRING_FILE, or run this on the server host, where serve runs, with its environment)',
      );
      assert.equal(fs.existsSync(path.join(cwd, 'data', 'keyring.json')), false);
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('serve and the keyring', () => {
  let cwd: string;
  before(async () => {
    cwd = tempDir('scoped-secrets-keyring-');
    const server = await startServer({ cwd });
    const env = { SECRETS_URL: server.url, SECRETS_TOKEN_FILE: path.join(cwd, 'data', 'root.token') };
    fs.writeFileSync(path.join(cwd, 'v.json'), '{"a":"b"}');
    assert.equal(runCli(['put', 'ci/x', '--expires', '1d', '--file', 'v.json'], { cwd, env }).status, 0);
    await server.stop();
  });
  after(() => fs.rmSync(cwd, { recursive: true, force: true }));

  const serveOnce = (env: Record<string, string>) => runCli(['serve', '--port', '0'], { cwd, env });

  it('refuses to start when the keyring is missing but the database holds secrets and the signing key', () => {
    fs.renameSync(path.join(cwd, 'data', 'keyring.json'), path.join(cwd, 'keyring.saved'));
    try {
      const result = serveOnce({});
      assert.equal(result.status, 1);
      assertOneLine(
        result,
        'scoped-secrets: the keyring ./data/keyring.json is missing, but the database holds 1 secret version and 1 token signing key wrapped by it: restore it, or point SECRETS_KEYRING_FILE at it',
      );
      assert.equal(fs.existsSync(path.join(cwd, 'data', 'keyring.json')), false, 'no fresh keyring was made');
    } finally {
      fs.renameSync(path.join(cwd, 'keyring.saved'), path.join(cwd, 'data', 'keyring.json'));
    }
  });

  it("refuses to start on a keyring without the key the database's versions use", () => {
    const other = tempDir('scoped-secrets-other-');
    try {
      const created = runCli(['migrate', '--create'], { cwd: other });
      assert.equal(created.status, 0, created.stderr);
      // A keyring of another installation: made by a first start there.
      const foreign = spawnSync(
        process.execPath,
        [
          '-e',
          `require(${JSON.stringify(path.resolve(__dirname, '..', '..', 'src', 'keyring', 'keyring-changes.js'))}).createKeyringIfMissing('k.json', new Date())`,
        ],
        { cwd: other },
      );
      assert.equal(foreign.status, 0);
      const result = serveOnce({ SECRETS_KEYRING_FILE: path.join(other, 'k.json') });
      assert.equal(result.status, 1);
      assertOneLine(
        result,
        /^scoped-secrets: the keyring \S+k\.json lacks k\S+, which 1 secret version and 1 token signing key in the database use: is SECRETS_KEYRING_FILE the right file\?\n$/,
      );
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('refuses a SECRETS_KEYRING_FILE in a folder that does not exist', () => {
    const fresh = tempDir('scoped-secrets-fresh-');
    try {
      const result = runCli(['serve', '--port', '0'], { cwd: fresh, env: { SECRETS_KEYRING_FILE: '/nonexistent/dir/keyring.json' } });
      assert.equal(result.status, 1);
      assertOneLine(result, 'scoped-secrets: SECRETS_KEYRING_FILE: the folder /nonexistent/dir does not exist');
      assert.equal(fs.existsSync('/nonexistent'), false);
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });
});
