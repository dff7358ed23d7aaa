/** Log records as readable lines on a terminal, and the JSON they come from everywhere else. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { readableLogLine } from '../../src/common/log-lines';

describe('readable log lines', () => {
  it('put time, level and message first, then the other fields as name=value', () => {
    const line = readableLogLine(
      JSON.stringify({
        level: 40,
        time: '2026-12-07T15:00:00.000Z',
        service: 'scoped-secrets',
        msg: 'the write thread stopped',
        reason: 'it exited',
        retryInMs: 250,
        applied: ['a', 'b'],
      }),
    );
    assert.equal(line, '2026-12-07T15:00:00.000Z WARN  the write thread stopped reason="it exited" retryInMs=250 applied=["a","b"]\n');
  });

  it('keep a line that is no JSON object as it is', () => {
    assert.equal(readableLogLine('not json\n'), 'not json\n');
    assert.equal(readableLogLine('[1,2]'), '[1,2]');
  });

  it('read what pino writes, redactions included', () => {
    let written = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += readableLogLine(chunk.toString('utf8'));
        done();
      },
    });
    const logger = pino({ base: undefined, timestamp: false, redact: { paths: ['token'], censor: '[redacted]' } }, sink);
    logger.info({ token: 'eyJsecret', key: 'ci/db' }, 'read');
    assert.equal(written, ' INFO  read token=[redacted] key=ci/db\n');
  });
});
