/** What the kinds share: how long a call to a backend's server may take, and the checks of settings more than one kind makes. */
import { InvalidRequest } from '../../errors';
import type { BackendSettings } from '../backend-kind';

/** A server that does not answer within this is unavailable: drawing answers 503, and a revocation is retried. */
export const CONNECT_TIMEOUT_MS = 5000;
export const STATEMENT_TIMEOUT_MS = 15_000;

export function requireDatabase(settings: BackendSettings): void {
  if (settings.connection.database === undefined)
    throw new InvalidRequest(`connection.database is required for a ${settings.kind} backend`);
}
