import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPreconditions, parseTagList } from '../../src/secrets/preconditions';

describe('entity tag preconditions', () => {
  it('parses *, strong, weak and lists of tags', () => {
    assert.equal(parseTagList(undefined, 'If-Match'), undefined);
    assert.equal(parseTagList('*', 'If-Match'), '*');
    assert.deepEqual(parseTagList('"3"', 'If-Match'), [3]);
    assert.deepEqual(parseTagList('W/"3", "4" ,"x"', 'If-Match'), [3, 4, -1]);
  });

  for (const malformed of ['3', '"3', 'W/3', '"3" "4"', '', '**', '"3",']) {
    it(`rejects ${JSON.stringify(malformed)} with InvalidRequest`, () => {
      assert.throws(() => parseTagList(malformed, 'If-Match'), { code: 'InvalidRequest' });
    });
  }

  const CASES: Array<[string, Parameters<typeof checkPreconditions>[0], number | undefined, boolean]> = [
    ['If-Match matching version', { ifMatch: [2] }, 2, true],
    ['If-Match other version', { ifMatch: [1] }, 2, false],
    ['If-Match * on existing', { ifMatch: '*' }, 1, true],
    ['If-Match * on absent', { ifMatch: '*' }, undefined, false],
    ['If-Match version on absent', { ifMatch: [1] }, undefined, false],
    ['If-None-Match * on absent', { ifNoneMatch: '*' }, undefined, true],
    ['If-None-Match * on existing', { ifNoneMatch: '*' }, 4, false],
    ['If-None-Match other version', { ifNoneMatch: [3] }, 4, true],
    ['no preconditions', {}, undefined, true],
  ];
  for (const [name, preconditions, version, passes] of CASES) {
    it(`${name}: ${passes ? 'passes' : '412'}`, () => {
      if (passes) checkPreconditions(preconditions, version);
      else assert.throws(() => checkPreconditions(preconditions, version), { code: 'PreconditionFailed' });
    });
  }
});
