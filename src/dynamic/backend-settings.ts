/**
 * A backend's settings as its configurer writes them (PUT
 * /v1/backends/{key}), checked: the shape (the OpenAPI document already
 * checked types), the TTLs, then each kind's own rules and defaults.
 */
import { InvalidRequest } from '../errors';
import type { BackendKindName, BackendSettings, Connection } from './backend-kind';
import { KINDS } from './kinds/all-kinds';

export interface BackendBody {
  readonly kind: BackendKindName;
  readonly connection: Connection & { readonly password?: string };
  readonly creationStatements?: string[];
  readonly revocationStatements?: string[];
  readonly renewStatements?: string[];
  readonly aclRules?: string[];
  readonly permissions?: { configure: string; write: string; read: string };
  readonly tags?: string;
  readonly defaultTtl?: number;
  readonly maxTtl?: number;
  readonly description?: string;
}

export const DEFAULT_LEASE_TTL_SECONDS = 3600;

/** The settings to store, and the administrative password when the body gives one (a replacement may keep the stored one). */
export function checkBackendBody(body: BackendBody, maxTokenTtlSeconds: number): { settings: BackendSettings; adminPassword?: string } {
  const { password, ...connection } = body.connection;
  const maxTtlSeconds = body.maxTtl ?? Math.min(maxTokenTtlSeconds, 24 * 3600);
  const defaultTtlSeconds = body.defaultTtl ?? Math.min(DEFAULT_LEASE_TTL_SECONDS, maxTtlSeconds);
  if (defaultTtlSeconds > maxTtlSeconds) throw new InvalidRequest('defaultTtl must not be more than maxTtl');
  const settings: BackendSettings = {
    kind: body.kind,
    connection,
    ...(body.creationStatements === undefined ? {} : { creationStatements: body.creationStatements }),
    ...(body.revocationStatements === undefined ? {} : { revocationStatements: body.revocationStatements }),
    ...(body.renewStatements === undefined ? {} : { renewStatements: body.renewStatements }),
    ...(body.aclRules === undefined ? {} : { aclRules: body.aclRules }),
    ...(body.permissions === undefined ? {} : { permissions: body.permissions }),
    ...(body.tags === undefined ? {} : { tags: body.tags }),
    ...(body.description === undefined ? {} : { description: body.description }),
    defaultTtlSeconds,
    maxTtlSeconds,
  };
  return { settings: KINDS[body.kind].complete(settings), ...(password === undefined ? {} : { adminPassword: password }) };
}
