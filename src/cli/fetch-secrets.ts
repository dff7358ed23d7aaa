/** Fetches several secrets at once for run and export; when any fails, one line names every key that failed and why. */
import type { SecretsClient } from './client/secrets-client';
import { CliError, EXIT_FAILURE, EXIT_NOT_FOUND, isNotFound } from './exit';
import { explainKeyFailure } from './key-failures';

export async function fetchValues(
  client: SecretsClient,
  keys: readonly string[],
  consequence = '',
): Promise<Map<string, Record<string, unknown>>> {
  const settled = await Promise.allSettled(
    keys.map(async (key) => {
      try {
        return [key, (await client.getSecret(key)).value] as const;
      } catch (error) {
        return explainKeyFailure(error, client, key);
      }
    }),
  );
  const rejected = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  const failures = settled.flatMap((result, index) => {
    if (result.status === 'fulfilled') return [];
    const key = keys[index] as string;
    const message = result.reason instanceof Error ? result.reason.message : String(result.reason);
    return [message.includes(key) ? message : `${key}: ${message}`];
  });
  if (failures.length > 0) {
    throw new CliError(`${failures.join('; ')}${consequence}`, rejected.every(isNotFound) ? EXIT_NOT_FOUND : EXIT_FAILURE);
  }
  return new Map(settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])));
}
