/** inject's template grammar: references, escapes, line numbers, and everything else left alone. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTemplate, referencedKeys, renderTemplate, TemplateError } from '../../src/cli/inject/template';

describe('inject templates', () => {
  it('finds references with their lines, and leaves other braces as text', () => {
    const parts = parseTemplate('a {{ secret "ci/db" "p" }} b\n{{ .Values.x }}\n\n{{secret "ci/x"}}');
    assert.deepEqual(parts, ['a ', { key: 'ci/db', field: 'p', line: 1 }, ' b\n{{ .Values.x }}\n\n', { key: 'ci/x', line: 4 }]);
    assert.deepEqual(referencedKeys(parts), ['ci/db', 'ci/x']);
  });

  it('takes \\" and \\\\ in a field name', () => {
    assert.deepEqual(parseTemplate('{{ secret "ci/a" "say \\"hi\\" \\\\o/" }}'), [{ key: 'ci/a', field: 'say "hi" \\o/', line: 1 }]);
  });

  it('names the line of a malformed reference or an invalid key', () => {
    for (const [template, message] of [
      ['x\n{{ secret ci/db }}', /^line 2: expected/],
      ['{{ secret "ci/db" "a" "b" }}', /^line 1: expected/],
      ['{{ secret "ci/db"', /^line 1: expected/],
      ['\n\n{{ secret "../x" }}', /^line 3: \.\.\/x: /],
      ['{{ secret "ci/db" "" }}', /^line 1: the field of ci\/db is empty$/],
    ] as const) {
      assert.throws(
        () => parseTemplate(template),
        (error: Error) => error instanceof TemplateError && message.test(error.message),
        template,
      );
    }
  });

  it('puts values in once: strings as they are, the rest as JSON, a reference-looking value as text', () => {
    const parts = parseTemplate('{{ secret "a/b" "s" }}|{{ secret "a/b" "n" }}|{{ secret "a/b" }}');
    const value = { s: '{{ secret "prod/db" "password" }}', n: 5432 };
    assert.equal(renderTemplate(parts, new Map([['a/b', value]])), `{{ secret "prod/db" "password" }}|5432|${JSON.stringify(value)}`);
    assert.throws(
      () => renderTemplate(parseTemplate('{{ secret "a/b" "zz" }}'), new Map([['a/b', value]])),
      /line 1: a\/b has no field "zz"/,
    );
  });
});
