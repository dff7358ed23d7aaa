/** What run and export inject: a secret's writer names its fields, but never a variable that steers how its readers' programs start. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildEnvironment, EnvironmentError, parseEnvBinding } from '../../src/cli/run/environment';
import { steersProcess } from '../../src/cli/run/steering-variables';

const KEY = 'ci/app';

function fromFields(fields: Record<string, unknown>, allowed: string[] = [], naming = {}) {
  return buildEnvironment([KEY], [], new Map([[KEY, fields]]), { allowed: new Set(allowed), naming });
}

describe('run and export environment', () => {
  const steering = [
    'PATH',
    'BASH_ENV',
    'ENV',
    'SHELLOPTS',
    'BASHOPTS',
    'PS4',
    'PROMPT_COMMAND',
    'IFS',
    'CDPATH',
    'LD_PRELOAD',
    'LD_LIBRARY_PATH',
    'LD_AUDIT',
    'DYLD_INSERT_LIBRARIES',
    'NODE_OPTIONS',
    'NODE_PATH',
    'PYTHONPATH',
    'PYTHONSTARTUP',
    'PYTHONHOME',
    'PYTHONWARNINGS',
    'PERL5OPT',
    'PERL5LIB',
    'RUBYOPT',
    'RUBYLIB',
    'JAVA_TOOL_OPTIONS',
    '_JAVA_OPTIONS',
    'JDK_JAVA_OPTIONS',
    'GIT_SSH_COMMAND',
    'GIT_EXEC_PATH',
    'GIT_CONFIG_KEY_0',
    'GIT_CONFIG_COUNT',
    'npm_config_script_shell',
    'https_proxy',
    'GCONV_PATH',
    'SECRETS_URL',
    'HOME',
    'EDITOR',
    'DOTNET_STARTUP_HOOKS',
    'LUA_INIT',
  ];

  for (const name of steering) {
    it(`refuses a field named ${name}, naming the key and the field`, () => {
      assert.throws(
        () => fromFields({ [name]: 'x', FINE: 'y' }),
        (error: Error) =>
          error instanceof EnvironmentError &&
          error.message ===
            `field "${name}" of ${KEY}: ${name} steers how programs start, so it is not set from a secret unless --allow-env ${name} names it`,
      );
    });
  }

  it('compares names without regard to case, since curl and npm read lower case', () => {
    for (const name of ['path', 'Node_Options', 'ld_preload', 'http_proxy']) assert.equal(steersProcess(name), true, name);
    for (const name of ['DB_PASSWORD', 'AWS_SECRET_ACCESS_KEY', 'NPM_TOKEN', 'GITHUB_TOKEN', 'NODE_ENV', 'PATHS', 'API_KEY', 'user']) {
      assert.equal(steersProcess(name), false, name);
    }
  });

  it('sets one when --allow-env names it exactly, and only that one', () => {
    assert.deepEqual(fromFields({ NODE_OPTIONS: '--max-old-space-size=512', user: 'u' }, ['NODE_OPTIONS']), {
      NODE_OPTIONS: '--max-old-space-size=512',
      user: 'u',
    });
    assert.throws(
      () => fromFields({ NODE_OPTIONS: 'x', LD_PRELOAD: 'y' }, ['NODE_OPTIONS']),
      /field "LD_PRELOAD" of ci\/app: LD_PRELOAD steers/,
    );
    assert.throws(() => fromFields({ node_options: 'x' }, ['NODE_OPTIONS']), /node_options steers/);
  });

  it('judges the name a field becomes, after --uppercase and --prefix', () => {
    assert.throws(
      () => fromFields({ ld_preload: '/tmp/x.so' }, [], { uppercase: true }),
      /field "ld_preload" of ci\/app: LD_PRELOAD steers/,
    );
    assert.throws(() => fromFields({ PRELOAD: '/tmp/x.so' }, [], { prefix: 'LD_' }), /LD_PRELOAD steers/);
    assert.deepEqual(fromFields({ path: '/db' }, [], { uppercase: true, prefix: 'DB_' }), { DB_PATH: '/db' });
  });

  it("refuses --env naming a steering variable too, since the value is still the writer's", () => {
    const values = new Map([[KEY, { opts: '--require /tmp/x.js' }]]);
    const binding = parseEnvBinding(`NODE_OPTIONS=${KEY}#opts`);
    assert.throws(() => buildEnvironment([], [binding], values), /--env NODE_OPTIONS: field "opts" of ci\/app: NODE_OPTIONS steers/);
    assert.deepEqual(buildEnvironment([], [binding], values, { allowed: new Set(['NODE_OPTIONS']) }), {
      NODE_OPTIONS: '--require /tmp/x.js',
    });
  });

  it('refuses fields that are no variable name and values no variable can hold, every one at once', () => {
    assert.throws(
      () => fromFields({ '1st': 'a', 'A=B': 'b', 'nul\u0000': 'c', '': 'd', ok: 'e\u0000f', 'esc\u001b[31m': 'g' }),
      (error: Error) =>
        error.message ===
        [
          'field "1st" of ci/app: "1st" is not a variable name',
          'field "A=B" of ci/app: "A=B" is not a variable name',
          'field "nul\\u0000" of ci/app: "nul\\u0000" is not a variable name',
          'field "" of ci/app: "" is not a variable name',
          'field "ok" of ci/app: the value holds a NUL character, which no variable can carry',
          'field "esc\\u001b[31m" of ci/app: "esc\\u001b[31m" is not a variable name',
        ].join('; '),
    );
  });

  it('exports the rest as before: strings raw, other JSON as JSON, --env winning over --from', () => {
    const values = new Map<string, Record<string, unknown>>([[KEY, { user: 'u', port: 5432, opts: { a: 1 } }]]);
    const env = buildEnvironment([KEY], [parseEnvBinding(`user=${KEY}#port`), parseEnvBinding(`ALL=${KEY}`)], values);
    assert.deepEqual(env, { user: '5432', port: '5432', opts: '{"a":1}', ALL: '{"user":"u","port":5432,"opts":{"a":1}}' });
  });
});
