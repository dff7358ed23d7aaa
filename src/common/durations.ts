/** `<int>(s|m|h|d)`, as the CLI and SECRETS_AUDIT_RETENTION take them. */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number | undefined {
  const [, count, unit] = /^(\d{1,9})(s|m|h|d)$/.exec(text) ?? [];
  const unitMs = unit === undefined ? undefined : UNIT_MS[unit];
  if (unitMs === undefined) return undefined;
  const ms = Number(count) * unitMs;
  return ms > 0 ? ms : undefined;
}
