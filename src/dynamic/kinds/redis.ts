/**
 * Redis: an ACL user with the backend's rules. Redis's users have no
 * expiry, so revocation is what ends one: the user is switched off (no
 * new authentication), its clients are killed, and it is deleted.
 */
import { createClient } from 'redis';
import { InvalidRequest } from '../../errors';
import { backendFailure, type Backend, type BackendKind, type BackendSettings, type Credential } from '../backend-kind';
import { CONNECT_TIMEOUT_MS, STATEMENT_TIMEOUT_MS } from './kind-settings';

/** Read any key, run no command that writes or administers. */
export const REDIS_RULES = ['~*', '+@read'];

/**
 * Rules that would touch the user's password or switch it off or on are
 * the service's to set; the configurer chooses what the user may do.
 */
function ruleProblem(rule: string): string | undefined {
  if (rule === '' || /\s/.test(rule)) return 'a rule is one word with no spaces';
  if (/^[<>#!]/.test(rule) || ['nopass', 'resetpass', 'on', 'off', 'reset'].includes(rule.toLowerCase()))
    return `${rule}: passwords and on/off are set by the service`;
  return undefined;
}

type RedisClient = ReturnType<typeof createClient>;

async function withAdmin<T>(
  backend: Backend,
  what: string,
  passwords: readonly string[],
  work: (client: RedisClient) => Promise<T>,
): Promise<T> {
  const { connection } = backend.settings;
  const client = createClient({
    socket: { host: connection.host, port: connection.port, connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: false },
    username: connection.username,
    password: backend.adminPassword,
    commandOptions: { timeout: STATEMENT_TIMEOUT_MS },
  });
  // A server that goes away mid-call must not crash the process: the call's own promise carries the failure.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await work(client);
  } catch (error) {
    throw backendFailure(error, what, [backend.adminPassword, ...passwords]);
  } finally {
    client.destroy();
  }
}

export const redisKind: BackendKind = {
  complete(settings: BackendSettings): BackendSettings {
    for (const field of ['creationStatements', 'revocationStatements', 'renewStatements', 'permissions', 'tags'] as const)
      if (settings[field] !== undefined) throw new InvalidRequest(`${field} is for another kind of backend, not redis`);
    const aclRules = settings.aclRules ?? REDIS_RULES;
    if (aclRules.length === 0) throw new InvalidRequest('aclRules: give at least one rule');
    for (const rule of aclRules) {
      const problem = ruleProblem(rule);
      if (problem) throw new InvalidRequest(`aclRules: ${problem}`);
    }
    return { ...settings, aclRules };
  },

  async create(backend: Backend, credential: Credential): Promise<void> {
    const rules = backend.settings.aclRules ?? REDIS_RULES;
    await withAdmin(backend, 'creating the credential', [credential.password], async (client) => {
      await client.sendCommand(['ACL', 'SETUSER', credential.username, 'reset', 'on', `>${credential.password}`, ...rules]);
    });
  },

  // Redis's users have no expiry of their own: the lease's is the only one.
  async renew(): Promise<void> {},

  async revoke(backend: Backend, username: string): Promise<void> {
    await withAdmin(backend, 'revoking the credential', [], async (client) => {
      // SETUSER would create a user already gone: revoking one twice must change nothing.
      if ((await client.sendCommand(['ACL', 'GETUSER', username])) === null) return;
      await client.sendCommand(['ACL', 'SETUSER', username, 'off']);
      await client.sendCommand(['CLIENT', 'KILL', 'USER', username]);
      await client.sendCommand(['ACL', 'DELUSER', username]);
    });
  },

  url(backend: Backend, credential: Credential): string {
    const { host, port } = backend.settings.connection;
    return `redis://${credential.username}:${credential.password}@${host}:${port}`;
  },
};
