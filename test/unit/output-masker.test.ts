import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskableValues } from '../../src/cli/run/environment';
import { OutputMasker } from '../../src/cli/run/output-masker';

function masked(values: string[], chunks: Array<string | Buffer>): { text: string; writes: string[] } {
  const writes: string[] = [];
  const masker = new OutputMasker(values, (chunk) => writes.push(chunk.toString('utf8')));
  for (const chunk of chunks) masker.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  masker.end();
  return { text: writes.join(''), writes };
}

describe('output masking', () => {
  it('masks every occurrence of every value', () => {
    assert.equal(masked(['hunter2', 's3cr3t'], ['pw=hunter2 and s3cr3t, again hunter2\n']).text, 'pw=*** and ***, again ***\n');
  });

  it('masks a value split across chunks, at every split point', () => {
    const line = 'token: abcdef123456 end\n';
    for (let split = 0; split <= line.length; split++) {
      assert.equal(masked(['abcdef123456'], [line.slice(0, split), line.slice(split)]).text, 'token: *** end\n', `split at ${split}`);
    }
  });

  it('masks a value trickled one byte at a time', () => {
    assert.equal(masked(['p4ssw0rd'], [...'x p4ssw0rd y']).text, 'x *** y');
  });

  it('leaves values shorter than 4 characters alone', () => {
    assert.equal(masked(['abc', 'abcd'], ['abc abcd\n']).text, 'abc ***\n');
  });

  it('prefers the longer of two values sharing a prefix, even when the longer one arrives later', () => {
    assert.equal(masked(['abcd', 'abcdefgh'], ['id=abcd', 'efgh;\n']).text, 'id=***;\n');
    assert.equal(masked(['abcd', 'abcdefgh'], ['id=abcd', 'xy\n']).text, 'id=***xy\n');
  });

  it('masks overlapping occurrences as one', () => {
    assert.equal(masked(['aaaa'], ['aaaaaa\n']).text, '***\n');
  });

  it('writes text that cannot be a secret at once, so output stays live', () => {
    const { writes } = masked(['supersecret'], ['line one\n', 'prompt> ']);
    assert.equal(writes[0], 'line one\n');
    assert.equal(writes[1], 'prompt> ');
  });

  it('holds only a tail that could start a secret, and releases it at the end', () => {
    const writes: string[] = [];
    const masker = new OutputMasker(['supersecret'], (chunk) => writes.push(chunk.toString()));
    masker.push(Buffer.from('value: supe'));
    assert.deepEqual(writes, ['value: ']);
    masker.end();
    assert.deepEqual(writes, ['value: ', 'supe']);
  });

  it('works on multi-byte text split inside a character', () => {
    const secret = 'päss€wörd';
    const bytes = Buffer.from(`[${secret}]`);
    assert.equal(masked([secret], [bytes.subarray(0, 4), bytes.subarray(4)]).text, '[***]');
  });

  it('keeps the longest match across writes when secrets overlap', () => {
    // Masking "Hunter2" as soon as it was complete let the rest of the overlapping secret through.
    assert.equal(masked(['Hunter2', 'er2-P4ssw0rd!'], ['pw=Hunter2', '-P4ssw0rd!\n']).text, 'pw=***\n');
    for (let split = 0; split <= 20; split++) {
      const line = 'pw=Hunter2-P4ssw0rd!\n';
      assert.equal(masked(['Hunter2', 'er2-P4ssw0rd!'], [line.slice(0, split), line.slice(split)]).text, 'pw=***\n', `split at ${split}`);
    }
  });
});

describe('what run masks', () => {
  const maskedOutput = (value: Record<string, unknown>, output: string) => masked(maskableValues([value], {}), [output]).text;

  it('masks each line of a multi-line value printed on its own', () => {
    const pem =
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----';
    const out = maskedOutput({ key: pem }, 'debug: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\ndebug: BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n');
    assert.equal(out, 'debug: ***\ndebug: ***\n');
  });

  it('masks lines of a value written with CRLF line ends', () => {
    assert.equal(maskedOutput({ key: 'first-line\r\nsecond-line' }, 'x second-line y'), 'x *** y');
  });

  it('masks numbers inside a value', () => {
    assert.equal(maskedOutput({ pin: 987654, nested: { port: 55432 } }, 'pin 987654 port 55432\n'), 'pin *** port ***\n');
  });

  it('masks the JSON-escaped form of a value', () => {
    assert.equal(maskedOutput({ password: 'Hunter2-Secret"q' }, '{"password":"Hunter2-Secret\\"q"}\n'), '{"password":"***"}\n');
    assert.equal(maskedOutput({ password: 'line1-abc\nline2-def' }, 'json: "line1-abc\\nline2-def"\n'), 'json: "***"\n');
  });
});
