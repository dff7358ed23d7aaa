/** jsonErrorPosition agrees with V8 wherever V8 names a position, and never needs the text quoted. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { jsonErrorPosition } from '../../src/cli/json-error-position';

function v8Offset(text: string): number | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    const match = /at position (\d+)/.exec((error as Error).message);
    return match ? Number(match[1]) : undefined;
  }
}

function offsetOf(text: string, position: { line: number; column: number }): number {
  const lines = text.split('\n');
  return lines.slice(0, position.line - 1).reduce((sum, line) => sum + line.length + 1, 0) + position.column - 1;
}

describe('jsonErrorPosition', () => {
  it('names the line and column of the first bad character', () => {
    assert.deepEqual(jsonErrorPosition('{\n  "a": 1,\n  "b": x\n}'), { line: 3, column: 8 });
    assert.deepEqual(jsonErrorPosition('{"a": 1'), { line: 1, column: 8 });
    assert.deepEqual(jsonErrorPosition('{"a": 1}}'), { line: 1, column: 9 });
    assert.deepEqual(jsonErrorPosition(''), { line: 1, column: 1 });
  });

  it('agrees with V8 on corrupted documents wherever V8 gives a position', () => {
    fc.assert(
      fc.property(fc.json(), fc.nat(), fc.constantFrom('}', ']', ',', ':', 'x', '"', '\n', '\u0001'), (json, at, junk) => {
        const cut = at % (json.length + 1);
        const text = json.slice(0, cut) + junk + json.slice(cut);
        const expected = v8Offset(text);
        if (expected === undefined) return;
        assert.equal(offsetOf(text, jsonErrorPosition(text)), expected, JSON.stringify(text));
      }),
      { numRuns: 2000 },
    );
  });
});
