/**
 * RabbitMQ, through its management HTTP API: a user with permissions on
 * one virtual host. RabbitMQ's users have no expiry, so revocation is what
 * ends one: the user is deleted, then any connection still open as it is
 * closed.
 */
import { InvalidRequest } from '../../errors';
import { BackendError } from '../dynamic-errors';
import { backendFailure, type Backend, type BackendKind, type BackendSettings, type Credential } from '../backend-kind';
import { CONNECT_TIMEOUT_MS, STATEMENT_TIMEOUT_MS } from './kind-settings';

/** Read from any queue; declare and publish nothing. */
export const RABBITMQ_PERMISSIONS = { configure: '^$', write: '^$', read: '.*' };
const DEFAULT_VHOST = '/';
const DEFAULT_AMQP_PORT = 5672;

async function call(backend: Backend, what: string, method: string, path: string, body?: unknown): Promise<Response> {
  const { connection } = backend.settings;
  const base = `${connection.tls ? 'https' : 'http'}://${connection.host}:${connection.port}/api`;
  const authorization = `Basic ${Buffer.from(`${connection.username}:${backend.adminPassword}`).toString('base64')}`;
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization, 'content-type': 'application/json', 'x-reason': 'scoped-secrets revoked this credential' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS + STATEMENT_TIMEOUT_MS),
    });
  } catch (error) {
    throw backendFailure((error as { cause?: unknown }).cause ?? error, what, [backend.adminPassword]);
  }
  if (response.status >= 500) throw backendFailure(new Error(`the management API answered ${response.status}`), what, []);
  return response;
}

async function expect(response: Response, what: string, accepted: readonly number[]): Promise<void> {
  if (accepted.includes(response.status)) return;
  // The API's error body names the reason, never a password (none is echoed in its errors).
  const text = (await response.text().catch(() => '')).slice(0, 300);
  throw new BackendError(`${what}: the management API answered ${response.status} ${text}`);
}

const vhostOf = (backend: Backend) => encodeURIComponent(backend.settings.connection.vhost ?? DEFAULT_VHOST);

export const rabbitmqKind: BackendKind = {
  complete(settings: BackendSettings): BackendSettings {
    for (const field of ['creationStatements', 'revocationStatements', 'renewStatements', 'aclRules'] as const)
      if (settings[field] !== undefined) throw new InvalidRequest(`${field} is for another kind of backend, not rabbitmq`);
    const permissions = settings.permissions ?? RABBITMQ_PERMISSIONS;
    for (const [name, pattern] of Object.entries(permissions)) {
      try {
        new RegExp(pattern);
      } catch {
        throw new InvalidRequest(`permissions.${name} is not a regular expression`);
      }
    }
    return {
      ...settings,
      permissions,
      tags: settings.tags ?? '',
      connection: {
        ...settings.connection,
        vhost: settings.connection.vhost ?? DEFAULT_VHOST,
        amqpPort: settings.connection.amqpPort ?? DEFAULT_AMQP_PORT,
      },
    };
  },

  async create(backend: Backend, credential: Credential): Promise<void> {
    const user = encodeURIComponent(credential.username);
    const what = 'creating the credential';
    await expect(
      await call(backend, what, 'PUT', `/users/${user}`, { password: credential.password, tags: backend.settings.tags ?? '' }),
      what,
      [201, 204],
    );
    const permissions = await call(
      backend,
      what,
      'PUT',
      `/permissions/${vhostOf(backend)}/${user}`,
      backend.settings.permissions ?? RABBITMQ_PERMISSIONS,
    );
    if (permissions.status !== 201 && permissions.status !== 204) {
      // Without its permissions the user must not stay behind.
      await call(backend, what, 'DELETE', `/users/${user}`).catch(() => undefined);
      await expect(permissions, what, [201, 204]);
    }
  },

  // RabbitMQ's users have no expiry of their own: the lease's is the only one.
  async renew(): Promise<void> {},

  async revoke(backend: Backend, username: string): Promise<void> {
    const what = 'revoking the credential';
    const user = encodeURIComponent(username);
    await expect(await call(backend, what, 'DELETE', `/users/${user}`), what, [204, 404]);
    const listed = await call(backend, what, 'GET', `/connections?columns=name,user`);
    await expect(listed, what, [200]);
    const connections = (await listed.json()) as Array<{ name: string; user: string }>;
    for (const open of connections.filter((c) => c.user === username)) {
      await expect(await call(backend, what, 'DELETE', `/connections/${encodeURIComponent(open.name)}`), what, [204, 404]);
    }
  },

  url(backend: Backend, credential: Credential): string {
    const { host, amqpPort, vhost } = backend.settings.connection;
    return `amqp://${credential.username}:${credential.password}@${host}:${amqpPort ?? DEFAULT_AMQP_PORT}/${encodeURIComponent(vhost ?? DEFAULT_VHOST)}`;
  },
};
