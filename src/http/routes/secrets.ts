/** PUT, GET and DELETE /v1/secret/{key}, and GET /v1/secrets. Each route names its scopes first. */
import { Router, type Request } from 'express';
import { formatTimestamp } from '../../clock';
import { InvalidRequest } from '../../errors';
import { parseTimestamp } from '../../timestamps';
import type { Metrics } from '../../metrics';
import { entityTag, parseTagList } from '../../secrets/preconditions';
import type { SecretService, SecretValue } from '../../secrets/secret-service';
import type { SecretRecord } from '../../secrets/secret-store-type';
import { keyOf, principalOf } from '../locals';
import type { RequestAuditor } from '../request-auditor';
import { requireScopes } from '../require-scope';

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

export function secretRoutes(deps: { secrets: SecretService; metrics: Metrics; auditor: RequestAuditor }): Router {
  const { secrets, metrics, auditor } = deps;
  const router = Router({ caseSensitive: true, strict: true });

  router.put('/v1/secret/:key', async (req, res) => {
    const key = keyOf(res);
    auditor.note(res, 'secret.write', key);
    // The request's shape (400) is judged before the caller's scope (403).
    const body = req.body as { value: SecretValue; expires: string };
    const expiresAt = secrets.checkExpiry(parseExpires(body.expires));
    const preconditions = {
      ifMatch: parseTagList(header(req, 'if-match'), 'If-Match'),
      ifNoneMatch: parseTagList(header(req, 'if-none-match'), 'If-None-Match'),
    };
    requireScopes(principalOf(res), [['secret', 'set', key]], metrics);
    const { created, record } = await secrets.put(key, body.value, expiresAt, preconditions, auditor.actor(req, res));
    auditor.committedWithWrite(res);
    res.status(created ? 201 : 200).set('ETag', entityTag(record.version)).json(metadataBody(record));
  });

  router.get('/v1/secret/:key', async (req, res) => {
    const key = keyOf(res);
    auditor.note(res, 'secret.read', key);
    const version = req.query.version === undefined ? undefined : Number(req.query.version);
    requireScopes(
      principalOf(res),
      version === undefined ? [['secret', 'get', key]] : [['secret', 'get', key], ['secret', 'history', key]],
      metrics,
    );
    const secret = await secrets.get(key, version);
    // GET ignores conditional headers: express would otherwise answer 304 to a matching If-None-Match.
    delete req.headers['if-none-match'];
    delete req.headers['if-modified-since'];
    res.set('ETag', entityTag(secret.version)).json({
      key: secret.key,
      value: secret.value,
      expires: formatTimestamp(secret.expiresAt),
      version: secret.version,
      created: formatTimestamp(secret.createdAt),
      updated: formatTimestamp(secret.updatedAt),
    });
  });

  router.delete('/v1/secret/:key', async (req, res) => {
    const key = keyOf(res);
    auditor.note(res, 'secret.delete', key);
    const ifMatch = parseTagList(header(req, 'if-match'), 'If-Match');
    requireScopes(principalOf(res), [['secret', 'delete', key]], metrics);
    await secrets.delete(key, { ifMatch }, auditor.actor(req, res));
    auditor.committedWithWrite(res);
    res.status(204).end();
  });

  router.get('/v1/secrets', async (req, res) => {
    const principal = principalOf(res);
    const prefix = typeof req.query.prefix === 'string' ? req.query.prefix : '';
    auditor.note(res, 'secret.list', prefix === '' ? null : prefix);
    const page = await secrets.list({
      prefix,
      limit: req.query.limit === undefined ? 100 : Number(req.query.limit),
      continuationToken: req.query.continuationToken as string | undefined,
      grants: principal.grants,
    });
    res.json({
      secrets: page.secrets.map((record) => ({
        key: record.key,
        version: record.version,
        expires: formatTimestamp(record.expiresAt),
        updated: formatTimestamp(record.updatedAt),
      })),
      ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
    });
  });

  return router;
}
