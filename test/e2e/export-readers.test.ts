/**
 * What `export` writes, read by the programs that read it: `set -a; . file`
 * in bash and in sh, `eval` of the shell format, and the dotenv package.
 * Each must run nothing and read every value back byte for byte; a value
 * the dotenv format cannot carry that way is refused, never written.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import dotenv from 'dotenv';
import fc from 'fast-check';
import { formatVariables, parseDotenv, UnsafeValueError, type ExportFormat } from '../../src/cli/dotenv';
import { tempDir } from '../support/databases';

const dir = tempDir('scoped-secrets-export-');
const PWNED = path.join(dir, 'pwned');

/** Values an attacker who writes a secret would try, each trying to create PWNED when the file is sourced. */
const HOSTILE = [
  `$(touch ${PWNED})`,
  `\`touch ${PWNED}\``,
  `\${IFS}$(touch ${PWNED})`,
  `'; touch ${PWNED}; '`,
  `"; touch ${PWNED}; "`,
  `it's $(touch ${PWNED})`,
  `line one\ntouch ${PWNED}\n`,
  `x'\ntouch ${PWNED}\n'`,
  `\\'$(touch ${PWNED})`,
  '$HOME and ${HOME} and $((1+1))',
  "it's",
  'say "hi"',
  'tab\there',
  'ends with backslash \\',
  'back\\slash \\n not a newline',
  '',
  ' spaced ',
  'space before a line break \n and after',
  ' \n',
  '# not a comment',
  'a=b=c',
  'ünïcödé ✓ \u2028 \u2029',
  'carriage\rreturn',
];

/** The variables as `shell` reads them after sourcing `file` with `set -a`, split on NUL so any byte survives. */
function sourced(shell: string, file: string, names: string[]): Record<string, string> {
  const script = `set -a; . "$1"; printf '%s\\0' ${names.map((name) => `"$${name}"`).join(' ')}`;
  const result = spawnSync(shell, ['-c', script, shell, file], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.equal(result.status, 0, `${shell}: ${result.stderr}`);
  const values = result.stdout.split('\0').slice(0, -1);
  return Object.fromEntries(names.map((name, index) => [name, values[index] as string]));
}

/** Each value under a name of its own; the ones the format refuses are left out and returned apart. */
function written(values: readonly string[], format: ExportFormat) {
  const carried: Record<string, string> = {};
  const refused: string[] = [];
  values.forEach((value, index) => {
    try {
      formatVariables({ V: value }, format);
      carried[`V${index}`] = value;
    } catch (error) {
      if (!(error instanceof UnsafeValueError)) throw error;
      refused.push(value);
    }
  });
  const file = path.join(dir, `${format}-${Math.random().toString(36).slice(2)}.env`);
  fs.writeFileSync(file, formatVariables(carried, format));
  return { carried, refused, file };
}

function assertReadBack(values: readonly string[], format: ExportFormat, shells: readonly string[]) {
  const { carried, file } = written(values, format);
  const names = Object.keys(carried);
  for (const shell of shells) assert.deepEqual(sourced(shell, file, names), carried, shell);
  if (format === 'dotenv') {
    assert.deepEqual(dotenv.parse(fs.readFileSync(file)), carried, 'the dotenv package');
    assert.deepEqual(parseDotenv(fs.readFileSync(file, 'utf8')), carried, 'put --from-dotenv');
  }
  assert.equal(fs.existsSync(PWNED), false, 'sourcing ran a command');
}

describe('export formats, read by sh, bash and dotenv', () => {
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the dotenv format runs nothing and reads back every value it writes, in bash, sh and dotenv', () => {
    assertReadBack(HOSTILE, 'dotenv', ['bash', 'sh']);
  });

  it('the dotenv format refuses, rather than writes, what sh and dotenv would read differently', () => {
    const { refused } = written(HOSTILE, 'dotenv');
    assert.deepEqual(refused, [`it's $(touch ${PWNED})`, `\\'$(touch ${PWNED})`, 'ends with backslash \\', 'carriage\rreturn']);
    assert.throws(
      () => formatVariables({ NAME: "it's $5" }, 'dotenv'),
      (error: Error) =>
        error instanceof UnsafeValueError &&
        error.message ===
          '--format dotenv cannot carry NAME: its value holds a single quote and one of " $ ` \\, which no quoting reads back alike in sh and dotenv; use --format shell or --format json',
    );
  });

  it('the shell format carries every value, run by bash and sh', () => {
    const { refused } = written(HOSTILE, 'shell');
    assert.deepEqual(refused, []);
    assertReadBack(HOSTILE, 'shell', ['bash', 'sh']);
  });

  it('holds for any value (property: read back exactly, or refused)', () => {
    // Strings of the characters that matter to quoting, and any other character now and then.
    const hostileChar = fc.oneof(
      fc.constantFrom("'", '"', '$', '`', '\\', '\n', '\r', ' ', '#', '=', '(', ')', '{', '}', ';', '&', '|', '*', 'a'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    );
    const value = fc.array(hostileChar, { maxLength: 24 }).map((chars) => chars.join('').replace(/\0/g, ''));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 40 }), (values) => {
        const wellFormed = values.filter((text) => Buffer.from(text, 'utf8').toString('utf8') === text);
        assertReadBack(wellFormed, 'dotenv', ['bash', 'sh']);
        assertReadBack(wellFormed, 'shell', ['bash', 'sh']);
      }),
      { numRuns: 25 },
    );
  });
});
