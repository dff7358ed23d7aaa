/**
 * What each kind of dynamic backend (kinds/) does against its server:
 * check a backend's settings when it is written, create a credential,
 * extend one, and revoke one. A kind never sees a lease or the service's
 * storage, only the backend and the credential's name, password and expiry.
 */
import type { AppError } from '../errors';
import { BackendError, BackendUnavailable } from './dynamic-errors';

export const BACKEND_KINDS = ['postgresql', 'mariadb', 'redis', 'rabbitmq'] as const;
export type BackendKindName = (typeof BACKEND_KINDS)[number];

/** How to reach the server with the administrative account; the password is kept sealed and never shown. */
export interface Connection {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** PostgreSQL and MariaDB: the database the statements run in and credentials' URLs name. */
  readonly database?: string;
  /** RabbitMQ: the virtual host the credential gets permissions on. */
  readonly vhost?: string;
  /** RabbitMQ: the AMQP port credentials' URLs name (the management API is on `port`). */
  readonly amqpPort?: number;
  /** RabbitMQ: reach the management API over HTTPS. */
  readonly tls?: boolean;
}

/** Everything about a backend but its administrative password: stored as JSON, shown to its configurers. */
export interface BackendSettings {
  readonly kind: BackendKindName;
  readonly connection: Connection;
  /** PostgreSQL, MariaDB: run, in order, to create a credential. */
  readonly creationStatements?: readonly string[];
  /** PostgreSQL, MariaDB: run, in order, to revoke one, after its sessions are ended. */
  readonly revocationStatements?: readonly string[];
  /** PostgreSQL: run when a lease is renewed. */
  readonly renewStatements?: readonly string[];
  /** Redis: the ACL rules a credential gets. */
  readonly aclRules?: readonly string[];
  /** RabbitMQ: the permissions a credential gets on the vhost, as regular expressions. */
  readonly permissions?: { readonly configure: string; readonly write: string; readonly read: string };
  /** RabbitMQ: the user's tags (comma-separated); none by default. */
  readonly tags?: string;
  readonly defaultTtlSeconds: number;
  readonly maxTtlSeconds: number;
  readonly description?: string;
}

export interface Backend {
  readonly key: string;
  readonly settings: BackendSettings;
  readonly adminPassword: string;
}

/** A credential to create or extend: the name and password the service generated, and when it must stop working. */
export interface Credential {
  readonly username: string;
  readonly password: string;
  readonly expiresAt: number;
}

export interface BackendKind {
  /** The settings with this kind's defaults filled in, or throws InvalidRequest naming what is wrong. */
  complete(settings: BackendSettings): BackendSettings;
  /** Creates the credential on the server; throws BackendUnavailable when it cannot be reached. */
  create(backend: Backend, credential: Credential): Promise<void>;
  /** Moves the credential's own expiry, where the kind has one. */
  renew(backend: Backend, credential: Omit<Credential, 'password'>): Promise<void>;
  /** Revokes the credential and ends its sessions; revoking one already gone succeeds. */
  revoke(backend: Backend, username: string): Promise<void>;
  /** A URL a client connects with, where the kind has one. */
  url(backend: Backend, credential: Credential): string | undefined;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/**
 * The error a kind throws for what its driver threw: unreachable servers
 * are BackendUnavailable, anything else BackendError. The server's message
 * is kept (it says which statement or privilege failed) with every
 * password in it replaced, since a server may echo the statement it refused.
 */
export function backendFailure(error: unknown, what: string, passwords: readonly string[]): AppError {
  const code = (error as { code?: unknown }).code;
  const raw = error instanceof Error ? error.message : String(error);
  const message = redact(raw, passwords);
  const name = (error as { name?: unknown }).name;
  if (
    (typeof code === 'string' && UNREACHABLE.has(code)) ||
    name === 'TimeoutError' ||
    /timeout|timed out|connection terminated/i.test(raw)
  ) {
    return new BackendUnavailable(`${what}: the server cannot be reached (${message || String(code)})`);
  }
  return new BackendError(`${what}: the server refused: ${message}`);
}

/** `text` with each of `passwords` replaced, as they appear and URL-encoded. */
export function redact(text: string, passwords: readonly string[]): string {
  let result = text;
  for (const password of passwords) {
    if (password.length === 0) continue;
    for (const form of new Set([password, encodeURIComponent(password)])) result = result.split(form).join('[redacted]');
  }
  return result;
}
