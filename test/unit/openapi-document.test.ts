/** The OpenAPI document as a client generator reads it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadOpenApiDocument } from '../../src/http/openapi';
import { keyProblem } from '../../src/secrets/secret-key';

type Operation = { operationId?: string; security?: unknown[]; responses: Record<string, unknown> };
const document = loadOpenApiDocument() as {
  paths: Record<string, Record<string, Operation>>;
  components: {
    parameters: { Key: { schema: { pattern: string } } };
    schemas: Record<string, { properties?: Record<string, { additionalProperties?: unknown }> }>;
  };
};
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, operation]) => ({ path, method, operation })),
);

describe('the OpenAPI document', () => {
  it('gives every operation a unique operationId', () => {
    const ids = operations.map(({ operation }) => operation.operationId);
    assert.ok(
      ids.every((id) => typeof id === 'string' && id.length > 0),
      'an operation has no operationId',
    );
    assert.equal(new Set(ids).size, ids.length);
  });

  it('names the 401 and 429 of every authenticated operation, and the 429 of those a wrap token authenticates', () => {
    for (const { path, method, operation } of operations.filter(({ path }) => path.startsWith('/v1/') && path !== '/v1/openapi.json')) {
      const anonymous = Array.isArray(operation.security) && operation.security.length === 0;
      for (const status of anonymous ? ['429'] : ['401', '429'])
        assert.ok(operation.responses[status], `${method} ${path} does not name ${status}`);
    }
  });

  it('types a secret value as an open object, so generated clients accept any field', () => {
    assert.equal(document.components.schemas.PutSecret?.properties?.value?.additionalProperties, true);
    assert.equal(document.components.schemas.Secret?.properties?.value?.additionalProperties, true);
  });

  it('has a key pattern that agrees with the key grammar', () => {
    const pattern = new RegExp(document.components.parameters.Key.schema.pattern, 'u');
    const candidates = [
      'a',
      'ci/deploy/aws',
      'a.b/c-d/e_f',
      '.hidden/x',
      'x/..y',
      '.',
      '..',
      'a/./b',
      'a/../b',
      '../a',
      'a/..',
      'a//b',
      '/a',
      'a/',
      'a b',
      'ci/*',
      'é',
    ];
    for (const candidate of candidates) {
      assert.equal(pattern.test(candidate), keyProblem(candidate) === undefined, candidate);
    }
  });
});
