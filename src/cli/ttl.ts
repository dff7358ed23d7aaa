/** `--ttl`: a duration such as 10m or 30d, in whole seconds. */
import { parseDuration } from '../common/durations';
import { CliError, EXIT_USAGE } from './exit';

export function ttlSeconds(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new CliError(`--ttl must be <n>s, <n>m, <n>h or <n>d, not "${text}"`, EXIT_USAGE);
  return ms / 1000;
}
