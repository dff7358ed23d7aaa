/**
 * Log records as a person reads them on a terminal: one line each, the
 * time, the level and the message first, then the other fields as
 * name=value. The JSON record stays the only thing written anywhere else.
 */
const LEVELS: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every record has, or that the line shows in front. */
const SHOWN_FIRST = new Set(['time', 'level', 'msg', 'service', 'pid', 'hostname']);

function fieldValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** One pino JSON line as a readable line; anything that is not a JSON object passes as it is. */
export function readableLogLine(json: string): string {
  let record: unknown;
  try {
    record = JSON.parse(json);
  } catch {
    return json;
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return json;
  const fields = record as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : value === undefined ? '' : fieldValue(value));
  const level = typeof fields.level === 'number' ? (LEVELS[fields.level] ?? String(fields.level)) : text(fields.level);
  const head = [text(fields.time), level.padEnd(5), text(fields.msg)].join(' ');
  const rest = Object.entries(fields)
    .filter(([name]) => !SHOWN_FIRST.has(name))
    .map(([name, value]) => `${name}=${fieldValue(value)}`);
  return `${[head, ...rest].join(' ')}\n`;
}
