/**
 * RFC 3339 date-times, read strictly: `2030-02-30` or hour 24 is no date,
 * where Date.parse would roll it over into another. Pure: no I/O.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/** Milliseconds since the epoch, or undefined when `text` is not an RFC 3339 date-time that exists. */
export function parseTimestamp(text: string): number | undefined {
  const match = DATE_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fraction = match[7] === undefined ? 0 : Math.floor(Number(`0${match[7]}`) * 1000);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, fraction);
  // Date.UTC rolls day 30 of February into March: a date that exists comes back unchanged.
  if (new Date(local).getUTCDate() !== day) return undefined;
  if (match[8]?.toUpperCase() === 'Z') return local;
  const offsetHours = Number(match[10]);
  const offsetMinutes = Number(match[11]);
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const offset = (offsetHours * 60 + offsetMinutes) * 60_000;
  return match[9] === '+' ? local - offset : local + offset;
}
