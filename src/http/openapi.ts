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
import { pipeline } from './pipeline';
import { SECRET_PATH_PREFIX } from './secret-key-path';

export type OpenApiDocument = Record<string, unknown>;

export const OPENAPI_FILE = path.resolve(__dirname, '..', '..', '..', 'schemas', 'openapi.yaml');

export function loadOpenApiDocument(file = OPENAPI_FILE): OpenApiDocument {
  return YAML.parse(fs.readFileSync(file, 'utf8')) as OpenApiDocument;
}

function validator(document: OpenApiDocument, validateResponses: boolean): RequestHandler[] {
  return OpenApiValidator.middleware({
    // The validator annotates the document it is given; keep ours pristine for /v1/openapi.json.
    apiSpec: structuredClone(document) as never,
    validateRequests: { allowUnknownQueryParameters: false },
    validateResponses,
    validateSecurity: false,
    useRequestUrl: true,
    ignoreUndocumented: false,
  });
}

function withPaths(document: OpenApiDocument, keep: (path: string) => boolean): OpenApiDocument {
  const paths = document.paths as Record<string, unknown>;
  return { ...document, paths: Object.fromEntries(Object.entries(paths).filter(([path]) => keep(path))) };
}

const SECRET_ROUTE = '/v1/secret/{key}';

/**
 * Validates every request against the document. The validator compiles
 * each documented path's pattern on every request until one matches, so
 * the hot route, `/v1/secret/{key}`, gets a validator of its own with a
 * one-path document, and everything else the rest of the document.
 */
export function openApiValidation(document: OpenApiDocument, validateResponses: boolean): RequestHandler[] {
  const secretRoute = validator(
    withPaths(document, (path) => path === SECRET_ROUTE),
    validateResponses,
  );
  const others = validator(
    withPaths(document, (path) => path !== SECRET_ROUTE),
    validateResponses,
  );
  const forSecret = pipeline(...secretRoute);
  const forOthers = pipeline(...others);
  return [(req, res, next) => (req.url.startsWith(SECRET_PATH_PREFIX) ? forSecret : forOthers)(req, res, next)];
}
