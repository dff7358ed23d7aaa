/** `--expires`: a duration from now (30d, 12h), an RFC 3339 date-time, or a date (midnight UTC); never the past. */
import { parseDuration } from '../common/durations';
import { parseTimestamp } from '../common/timestamps';
import { CliError, EXIT_USAGE } from './exit';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export function expiresFrom(text: string, now = Date.now()): string {
  const duration = parseDuration(text);
  const at = duration !== undefined ? now + duration : parseTimestamp(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text);
  if (at === undefined) {
    throw new CliError(
      `--expires must be a duration such as 30d or 12h, a date such as 2027-01-31, or an RFC 3339 date-time, not "${text}"`,
      EXIT_USAGE,
    );
  }
  if (at <= now) throw new CliError(`--expires ${text} is in the past`, EXIT_USAGE);
  return new Date(at).toISOString();
}
