/** .env reading and writing: what export writes, put --from-dotenv reads back unchanged. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DotenvError, formatVariables, parseDotenv, UnsafeValueError } from '../../src/cli/dotenv';

describe('dotenv', () => {
  it('reads bare, quoted and exported values, skipping comments and blank lines', () => {
    const text = [
      '# a comment',
      '',
      'PLAIN=value with spaces  # trailing comment',
      "export SINGLE='lit $HOME \\n'",
      'DOUBLE="a\\nb \\"q\\" \\\\"',
      'MULTI="line one',
      'line two"',
      'EMPTY=',
    ].join('\n');
    assert.deepEqual(parseDotenv(text), {
      PLAIN: 'value with spaces',
      SINGLE: 'lit $HOME \\n',
      DOUBLE: 'a\nb "q" \\',
      MULTI: 'line one\nline two',
      EMPTY: '',
    });
  });

  it('names the line of a malformed entry', () => {
    assert.throws(() => parseDotenv('A=1\nnot an assignment\n'), new DotenvError('line 2: expected NAME=value'));
    assert.throws(() => parseDotenv('1A=x'), new DotenvError('line 1: "1A" is not a variable name'));
    assert.throws(() => parseDotenv("A='open"), new DotenvError('line 1: the single quote is not closed'));
    assert.throws(() => parseDotenv('A="open\nstill'), new DotenvError('line 1: the double quote is not closed'));
  });

  it('reads back values holding line and paragraph separators (U+2028, U+2029)', () => {
    const variables = { A: '\u2028', B: 'x\u2029y' };
    assert.deepEqual(parseDotenv(formatVariables(variables, 'dotenv')), variables);
  });

  it('reads back whatever it writes, single-quoted values across lines included', () => {
    assert.deepEqual(parseDotenv("A='one\ntwo'\nB='x'\n"), { A: 'one\ntwo', B: 'x' });
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/), fc.string({ unit: 'binary' })), (variables) => {
        let text;
        try {
          text = formatVariables(variables, 'dotenv');
        } catch (error) {
          if (error instanceof UnsafeValueError) return;
          throw error;
        }
        assert.deepEqual(parseDotenv(text), variables);
      }),
      { numRuns: 1000 },
    );
  });
});
