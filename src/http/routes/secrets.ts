/** PUT, GET and DELETE /v1/secret/{key}, and GET /v1/secrets, each with the scopes it needs beside its path. */
import { Router, type Request } from 'express';
import { formatTimestamp } from '../../common/clock';
import { InvalidRequest } from '../../errors';
import { entityTag, notModified, parseTagList } from '../../secrets/preconditions';
import type { SecretService, SecretValue } from '../../secrets/secret-service';
import type { SecretRecord } from '../../secrets/secret-storage';
import { parseTimestamp } from '../../common/timestamps';
import { keyOf, locals, principalOf } from '../locals';
import type { RequestAuditor } from '../request-auditor';
import { setNextLink } from '../next-link';
import { secured } from '../secured-route';

function metadataBody(record: SecretRecord) {
  return {
    key: record.key,
    version: record.version,
    expires: formatTimestamp(record.expiresAt),
    created: formatTimestamp(record.createdAt),
    updated: formatTimestamp(record.updatedAt),
  };
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function parseExpires(text: string): number {
  const ms = parseTimestamp(text);
  if (ms === undefined) throw new InvalidRequest('expires must be an RFC 3339 date-time that exists');
  return ms;
}

export function secretRoutes(deps: { secrets: SecretService; auditor: RequestAuditor }): Router {
  const { secrets, auditor } = deps;
  const router = Router({ caseSensitive: true, strict: true });

  // One route, GET first: the hot request matches the path once.
  router
    .route('/v1/secret/:key')
    .get(
      secured({
        audit: (_req, res) => ['secret.read', keyOf(res)],
        parse: (req, res) => ({
          key: keyOf(res),
          version: req.query.version === undefined ? undefined : Number(req.query.version),
          ifNoneMatch: parseTagList(locals(res).ifNoneMatch, 'If-None-Match'),
        }),
        scopes: ({ key, version }) =>
          version === undefined
            ? [['secret', 'get', key]]
            : [
                ['secret', 'get', key],
                ['secret', 'history', key],
              ],
        async handle({ key, version, ifNoneMatch }, _req, res) {
          const secret = await secrets.get(key, version);
          res.set('ETag', entityTag(secret.version));
          if (notModified(ifNoneMatch, secret.version)) {
            res.status(304).end();
            return;
          }
          res.json({
            key: secret.key,
            value: secret.value,
            expires: formatTimestamp(secret.expiresAt),
            version: secret.version,
            created: formatTimestamp(secret.createdAt),
            updated: formatTimestamp(secret.updatedAt),
          });
        },
      }),
    )
    .put(
      secured({
        audit: (_req, res) => ['secret.write', keyOf(res)],
        parse: (req, res) => {
          const body = req.body as { value: SecretValue; expires: string };
          return {
            key: keyOf(res),
            value: body.value,
            expiresAt: secrets.checkExpiry(parseExpires(body.expires)),
            preconditions: {
              ifMatch: parseTagList(header(req, 'if-match'), 'If-Match'),
              ifNoneMatch: parseTagList(header(req, 'if-none-match'), 'If-None-Match'),
            },
          };
        },
        scopes: ({ key }) => [['secret', 'set', key]],
        async handle({ key, value, expiresAt, preconditions }, req, res) {
          const { created, record } = await secrets.put(key, value, expiresAt, preconditions, auditor.actor(req, res));
          auditor.committedWithWrite(res);
          res
            .status(created ? 201 : 200)
            .set('ETag', entityTag(record.version))
            .json(metadataBody(record));
        },
      }),
    )
    .delete(
      secured({
        audit: (_req, res) => ['secret.delete', keyOf(res)],
        parse: (req, res) => ({ key: keyOf(res), ifMatch: parseTagList(header(req, 'if-match'), 'If-Match') }),
        scopes: ({ key }) => [['secret', 'delete', key]],
        async handle({ key, ifMatch }, req, res) {
          await secrets.delete(key, { ifMatch }, auditor.actor(req, res));
          auditor.committedWithWrite(res);
          res.status(204).end();
        },
      }),
    );

  router.get(
    '/v1/secrets',
    secured({
      audit: (req) => ['secret.list', typeof req.query.prefix === 'string' && req.query.prefix !== '' ? req.query.prefix : null],
      parse: (req) => ({
        prefix: typeof req.query.prefix === 'string' ? req.query.prefix : '',
        limit: req.query.limit === undefined ? 100 : Number(req.query.limit),
        continuationToken: req.query.continuationToken as string | undefined,
      }),
      // Any valid token may list: each key is shown only to a caller holding secret:list for it.
      scopes: () => [],
      async handle(request, req, res) {
        const page = await secrets.list({ ...request, grants: principalOf(res).grants });
        setNextLink(req, res, page.continuationToken);
        res.json({
          secrets: page.secrets.map((record) => ({
            key: record.key,
            version: record.version,
            expires: formatTimestamp(record.expiresAt),
            updated: formatTimestamp(record.updatedAt),
          })),
          ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
        });
      },
    }),
  );

  return router;
}
