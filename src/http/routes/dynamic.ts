/**
 * Dynamic secrets: backends (PUT, GET and DELETE /v1/backends/{key}, GET
 * /v1/backends) with dynamic:configure; drawing a credential (POST
 * /v1/creds/{key}) with dynamic:lease; and leases (GET /v1/leases, GET,
 * DELETE /v1/leases/{id}, POST /v1/leases/{id}/renew, POST
 * /v1/leases/revoke). A drawn password is in the draw's answer only: never
 * logged, audited, stored or shown again. An administrative password is
 * never shown at all.
 */
import { Router } from 'express';
import { formatTimestamp } from '../../common/clock';
import { InvalidContinuationToken, InvalidKey } from '../../errors';
import type { BackendBody } from '../../dynamic/backend-settings';
import type { BackendRecord, LeaseRecord } from '../../dynamic/dynamic-storage';
import { LeaseNotFound } from '../../dynamic/dynamic-errors';
import { isLeaseId } from '../../dynamic/lease-ids';
import type { LeaseService } from '../../dynamic/lease-service';
import { keyProblem } from '../../secrets/secret-key';
import type { Metrics } from '../metrics';
import { keyOf, locals, principalOf } from '../locals';
import type { RequestAuditor } from '../request-auditor';
import { secured } from '../secured-route';

function backendBody(record: BackendRecord) {
  const { settings } = record;
  return {
    key: record.key,
    kind: settings.kind,
    connection: settings.connection,
    ...(settings.creationStatements ? { creationStatements: settings.creationStatements } : {}),
    ...(settings.revocationStatements ? { revocationStatements: settings.revocationStatements } : {}),
    ...(settings.renewStatements ? { renewStatements: settings.renewStatements } : {}),
    ...(settings.aclRules ? { aclRules: settings.aclRules } : {}),
    ...(settings.permissions ? { permissions: settings.permissions } : {}),
    ...(settings.tags !== undefined ? { tags: settings.tags } : {}),
    defaultTtl: settings.defaultTtlSeconds,
    maxTtl: settings.maxTtlSeconds,
    ...(settings.description !== undefined ? { description: settings.description } : {}),
    created: formatTimestamp(record.createdAt),
    updated: formatTimestamp(record.updatedAt),
  };
}

export function leaseBody(lease: LeaseRecord, now: number) {
  const pending = lease.revokeReason !== null || lease.expiresAt <= now;
  return {
    id: lease.id,
    backend: lease.backendKey,
    subject: lease.subject,
    ...(lease.jti === null ? {} : { jti: lease.jti }),
    created: formatTimestamp(lease.createdAt),
    expires: formatTimestamp(lease.expiresAt),
    renewableUntil: formatTimestamp(lease.maxExpiresAt),
    state: pending ? 'revoking' : 'active',
    ...(lease.revokeReason === null ? {} : { revokeReason: lease.revokeReason }),
    ...(lease.attempts > 0 ? { revokeAttempts: lease.attempts } : {}),
    ...(lease.lastError === null ? {} : { lastError: lease.lastError }),
  };
}

const ttlOf = (body: unknown): number | undefined => (body as { ttl?: number } | undefined)?.ttl;

function leaseIdOf(id: string | string[] | undefined): string {
  if (typeof id !== 'string' || !isLeaseId(id)) throw new LeaseNotFound();
  return id;
}

function cursorOf(text: unknown): { backendKey: string; id: string } | undefined {
  if (text === undefined) return undefined;
  if (typeof text !== 'string') throw new InvalidContinuationToken();
  try {
    const cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { b?: unknown; i?: unknown };
    if (typeof cursor.b === 'string' && typeof cursor.i === 'string' && isLeaseId(cursor.i) && !keyProblem(cursor.b))
      return { backendKey: cursor.b, id: cursor.i };
  } catch {
    // Refused below, like any other malformed token.
  }
  throw new InvalidContinuationToken();
}

export function dynamicRoutes(deps: { leases: LeaseService; auditor: RequestAuditor; metrics: Metrics; clock: { now(): number } }): Router {
  const { leases, auditor, metrics, clock } = deps;
  const router = Router({ caseSensitive: true, strict: true });

  router.put(
    '/v1/backends/:key',
    secured({
      audit: (_req, res) => ['dynamic.configure', keyOf(res)],
      parse: (req, res) => ({ key: keyOf(res), checked: leases.checkBackend(req.body as BackendBody) }),
      scopes: ({ key }) => [['dynamic', 'configure', key]],
      async handle({ key, checked }, req, res) {
        const created = await leases.configure(key, checked, auditor.actor(req, res));
        auditor.committedWithWrite(res);
        res.status(created ? 201 : 200).json(backendBody(await leases.settings(key)));
      },
    }),
  );

  router.get(
    '/v1/backends/:key',
    secured({
      parse: (_req, res) => keyOf(res),
      scopes: (key) => [['dynamic', 'configure', key]],
      async handle(key, _req, res) {
        res.json(backendBody(await leases.settings(key)));
      },
    }),
  );

  router.delete(
    '/v1/backends/:key',
    secured({
      audit: (_req, res) => ['dynamic.delete', keyOf(res)],
      parse: (_req, res) => keyOf(res),
      scopes: (key) => [['dynamic', 'configure', key]],
      async handle(key, req, res) {
        await leases.deleteBackend(key, auditor.actor(req, res));
        auditor.committedWithWrite(res);
        res.status(204).end();
      },
    }),
  );

  router.get(
    '/v1/backends',
    secured({
      parse: (req) => (typeof req.query.prefix === 'string' ? req.query.prefix : ''),
      // Any valid token: the list holds the backends the caller may configure or draw from, nothing else.
      scopes: () => [],
      async handle(prefix, _req, res) {
        const { grants } = principalOf(res);
        const visible = (await leases.backends(prefix)).filter(
          (record) => grants.allows('dynamic', 'configure', record.key) || grants.allows('dynamic', 'lease', record.key),
        );
        res.json({
          backends: visible.map((record) => ({
            key: record.key,
            kind: record.settings.kind,
            defaultTtl: record.settings.defaultTtlSeconds,
            maxTtl: record.settings.maxTtlSeconds,
            ...(record.settings.description !== undefined ? { description: record.settings.description } : {}),
          })),
        });
      },
    }),
  );

  router.post(
    '/v1/creds/:key',
    secured({
      audit: (_req, res) => ['lease.create', keyOf(res)],
      parse: (req, res) => ({ key: keyOf(res), ttl: ttlOf(req.body) }),
      scopes: ({ key }) => [['dynamic', 'lease', key]],
      async handle({ key, ttl }, _req, res) {
        const drawn = await leases.draw(key, principalOf(res), ttl);
        // Recorded when the response finishes, with the lease and the user name: never the password.
        const noted = locals(res).audit;
        if (noted) noted.detail = `${drawn.lease.id}: user ${drawn.username}`;
        metrics.leases.inc({ event: 'drawn' });
        res.status(201).json({
          lease: leaseBody(drawn.lease, clock.now()),
          credential: { username: drawn.username, password: drawn.password, ...(drawn.url ? { url: drawn.url } : {}) },
        });
      },
    }),
  );

  router.get(
    '/v1/leases',
    secured({
      parse: (req) => ({
        prefix: typeof req.query.prefix === 'string' ? req.query.prefix : '',
        limit: req.query.limit === undefined ? 100 : Number(req.query.limit),
        after: cursorOf(req.query.continuationToken),
      }),
      // Any valid token: the list holds the leases of backends the caller may list (dynamic:list), and its own.
      scopes: () => [],
      async handle({ prefix, limit, after }, _req, res) {
        const page = await leases.list(prefix, principalOf(res), after, limit);
        const now = clock.now();
        res.json({
          leases: page.leases.map((lease) => leaseBody(lease, now)),
          ...(page.next
            ? { continuationToken: Buffer.from(JSON.stringify({ b: page.next.backendKey, i: page.next.id })).toString('base64url') }
            : {}),
        });
      },
    }),
  );

  router.post(
    '/v1/leases/revoke',
    secured({
      audit: (req) => ['lease.revoke', (req.body as { prefix: string }).prefix],
      parse: (req) => {
        const prefix = (req.body as { prefix: string }).prefix;
        const problem = keyProblem(prefix);
        if (problem) throw new InvalidKey(`prefix: ${problem}`);
        return prefix;
      },
      // A revoker of the backends under the prefix, or of the one at it; the leases it may not revoke are left alone.
      scopes: (prefix, caller) => (caller.grants.allows('dynamic', 'revoke', prefix) ? [] : [{ covering: `dynamic:revoke:${prefix}/**` }]),
      async handle(prefix, req, res) {
        const count = await leases.revokePrefix(prefix, principalOf(res), auditor.actor(req, res));
        auditor.committedWithWrite(res);
        res.status(202).json({ revoking: count });
      },
    }),
  );

  router.get(
    '/v1/leases/:id',
    secured({
      parse: (req) => leaseIdOf(req.params.id),
      // Which lease the caller may see is known only once it is read: one it may not see is as absent.
      scopes: () => [],
      async handle(id, _req, res) {
        res.json(leaseBody(await leases.find(id, principalOf(res), 'list'), clock.now()));
      },
    }),
  );

  router.post(
    '/v1/leases/:id/renew',
    secured({
      audit: () => ['lease.renew', null],
      parse: (req) => ({ id: leaseIdOf(req.params.id), ttl: ttlOf(req.body) }),
      scopes: () => [],
      async handle({ id, ttl }, req, res) {
        const renewed = await leases.renew(id, principalOf(res), ttl, auditor.actor(req, res));
        auditor.committedWithWrite(res);
        metrics.leases.inc({ event: 'renewed' });
        res.json(leaseBody(renewed, clock.now()));
      },
    }),
  );

  router.delete(
    '/v1/leases/:id',
    secured({
      audit: () => ['lease.revoke', null],
      parse: (req) => leaseIdOf(req.params.id),
      scopes: () => [],
      async handle(id, req, res) {
        const done = await leases.revoke(id, principalOf(res), auditor.actor(req, res));
        auditor.committedWithWrite(res);
        if (done) {
          res.status(204).end();
          return;
        }
        res.status(202).json(leaseBody(await leases.find(id, principalOf(res), 'revoke'), clock.now()));
      },
    }),
  );

  return router;
}
