/**
 * Retries transient seal failures with capped exponential backoff and full
 * jitter (so replicas restarting together do not hit the KMS in step), one
 * line per failed attempt. Anything else fails at once.
 */
import { SealError } from './seal';

export interface RetryPolicy {
  readonly baseMs: number;
  readonly capMs: number;
  /** Infinity for serve, which waits for its HSM or KMS for as long as it takes. */
  readonly maxAttempts: number;
}

export const SERVE_RETRIES: RetryPolicy = { baseMs: 250, capMs: 30_000, maxAttempts: Infinity };
export const COMMAND_RETRIES: RetryPolicy = { baseMs: 250, capMs: 4_000, maxAttempts: 6 };

export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(random() * ceiling);
}

export interface FailedAttempt {
  readonly attempt: number;
  readonly error: SealError;
  /** Absent on the last attempt. */
  readonly retryInMs?: number;
}

/** One line for a failed attempt; `doing` is what was tried: unsealing at start-up, or a command's use of the seal. */
export function describeAttempt({ attempt, error, retryInMs }: FailedAttempt, doing = 'unseal the keyring'): string {
  const next = retryInMs === undefined ? 'giving up' : `retrying in ${(retryInMs / 1000).toFixed(1)} s`;
  return `could not ${doing} with ${error.message} (attempt ${attempt}, ${next})`;
}

export async function withSealRetries<T>(
  work: () => Promise<T>,
  policy: RetryPolicy,
  onFailedAttempt: (failed: FailedAttempt) => void | Promise<void>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof SealError) || !error.transient) throw error;
      if (attempt >= policy.maxAttempts) {
        await onFailedAttempt({ attempt, error });
        throw error;
      }
      const retryInMs = backoffMs(attempt, policy);
      await onFailedAttempt({ attempt, error, retryInMs });
      await new Promise((resolve) => setTimeout(resolve, retryInMs));
    }
  }
}
