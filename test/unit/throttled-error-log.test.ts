/** A failure repeated by every request is logged once, then counted, so an outage does not multiply the log. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/common/clock';
import { ThrottledErrorLog } from '../../src/common/throttled-error-log';

describe('ThrottledErrorLog', () => {
  it('logs the first of a run with its error, then one line per interval saying how many more there were', () => {
    const lines: Array<[Record<string, unknown>, string]> = [];
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const log = new ThrottledErrorLog({
      logger: { error: (fields: Record<string, unknown>, message: string) => lines.push([fields, message]) } as never,
      clock,
      message: 'could not record an audit event',
      intervalMs: 10_000,
    });
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    for (let request = 0; request < 500; request++) log.report(full, { requestId: `r${request}` });
    assert.equal(lines.length, 1);
    assert.deepEqual(lines[0], [{ err: full, requestId: 'r0' }, 'could not record an audit event']);
    clock.advance(9_999);
    log.report(full);
    assert.equal(lines.length, 1, 'still within the interval');
    clock.advance(1);
    log.report(full, { requestId: 'later' });
    assert.deepEqual(lines[1], [
      { err: full, requestId: 'later', alike: 500 },
      'could not record an audit event (and 500 more like it since the last line)',
    ]);
  });
});
