/** Every way the drivers say "the database cannot answer now" becomes 503, a full disk 507, and anything else stays a 500. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toAppError } from '../../src/http/error-handler';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('database errors as answers', () => {
  const unavailable: Array<[string, unknown]> = [
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a reset connection', withCode('ECONNRESET')],
    ["node-postgres' connection timeout", new Error('timeout expired')],
    ["node-postgres' query timeout", new Error('Query read timeout')],
    ['a connection that ended', new Error('Connection terminated unexpectedly')],
    ["knex's own note of an ended connection", new Error('Connection ended unexpectedly')],
    [
      "the pool's acquire timeout",
      Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), { name: 'KnexTimeoutError' }),
    ],
    ['statement_timeout', withCode('57014', 'canceling statement due to statement timeout')],
    ['idle_in_transaction_session_timeout', withCode('25P03')],
    ['an administrator shutdown', withCode('57P01')],
    ['the SQLite write thread restarting', withCode('WRITER_UNAVAILABLE')],
  ];
  for (const [what, error] of unavailable) {
    it(`answers ${what} with 503 Unavailable and Retry-After`, () => {
      const answer = toAppError(error);
      assert.equal(answer?.status, 503);
      assert.equal(answer?.code, 'Unavailable');
      assert.ok(Number(answer?.headers['Retry-After']) >= 1);
    });
  }

  for (const [what, error] of [
    ["SQLite's full disk", withCode('SQLITE_FULL', 'database or disk is full')],
    ["PostgreSQL's disk_full", withCode('53100', 'could not extend file')],
  ] as const) {
    it(`answers ${what} with 507 InsufficientStorage and Retry-After`, () => {
      const answer = toAppError(error);
      assert.equal(answer?.status, 507);
      assert.equal(answer?.code, 'InsufficientStorage');
      assert.ok(Number(answer?.headers['Retry-After']) >= 1);
    });
  }

  it('leaves a bug a bug: an unknown error is no answer of its own (the handler makes it a hidden 500)', () => {
    assert.equal(toAppError(new TypeError('cannot read properties of undefined')), undefined);
    assert.equal(toAppError(withCode('23505', 'duplicate key value')), undefined);
  });
});
