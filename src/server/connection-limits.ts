/**
 * Caps on open connections, in total and per client address, so that one
 * client trickling thousands of connections cannot starve everyone else
 * (health checks included). Each refusal is logged, at most once a minute
 * per address, so that the log names the client without being flooded.
 */
import type http from 'node:http';
import type { Logger } from 'pino';
import { LruMap } from '../common/lru-map';

export interface ConnectionLimits {
  readonly total: number;
  readonly perAddress: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { total: 10_000, perAddress: 256 };

const LOG_EVERY_MS = 60_000;

export function limitConnections(server: http.Server, limits: ConnectionLimits, logger: Logger): void {
  const open = new Map<string, number>();
  const loggedAt = new LruMap<string, number>({ maxEntries: 1000 });
  const logOnce = (id: string, line: string, fields: Record<string, unknown>) => {
    const now = Date.now();
    const last = loggedAt.get(id);
    if (last !== undefined && now - last < LOG_EVERY_MS) return;
    loggedAt.set(id, now);
    logger.warn(fields, line);
  };

  server.maxConnections = limits.total;
  server.on('drop', (data?: { remoteAddress?: string }) => {
    logOnce('total', `refused connections: ${limits.total} are open (SECRETS_MAX_CONNECTIONS)`, { client: data?.remoteAddress });
  });
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > limits.perAddress) {
      socket.destroy();
      logOnce(address, `refused connections from ${address}: it holds ${limits.perAddress} (SECRETS_MAX_CONNECTIONS_PER_ADDRESS)`, {
        client: address,
      });
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
