/**
 * The OpenAPI document (schemas/openapi.yaml) and the validator built on
 * it. The validator looks at `req.url`, where secret-key-path has put the
 * key as one encoded segment.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as OpenApiValidator from 'express-openapi-validator';
import type { RequestHandler } from 'express';
import YAML from 'yaml';

export type OpenApiDocument = Record<string, unknown>;

export const OPENAPI_FILE = path.resolve(__dirname, '..', '..', '..', 'schemas', 'openapi.yaml');

export function loadOpenApiDocument(file = OPENAPI_FILE): OpenApiDocument {
  return YAML.parse(fs.readFileSync(file, 'utf8')) as OpenApiDocument;
}

export function openApiValidation(document: OpenApiDocument, validateResponses: boolean): RequestHandler[] {
  return OpenApiValidator.middleware({
    // The validator annotates the document it is given; keep ours pristine for /v1/openapi.json.
    apiSpec: structuredClone(document) as never,
    validateRequests: { allowUnknownQueryParameters: false },
    validateResponses,
    validateSecurity: false,
    useRequestUrl: true,
    ignoreUndocumented: false,
  }) as unknown as RequestHandler[];
}
