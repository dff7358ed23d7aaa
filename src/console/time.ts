/** Times as people read them: "in 3 h", "2 d ago". */
const UNITS: Array<[number, string]> = [
  [365 * 86_400_000, 'y'],
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1000, 's'],
];

export function relative(iso: string, now = Date.now()): string {
  const delta = Date.parse(iso) - now;
  const size = Math.abs(delta);
  const [unit, name] = UNITS.find(([ms]) => size >= ms) ?? [1000, 's'];
  const count = Math.round(size / unit);
  return delta >= 0 ? `in ${count} ${name}` : `${count} ${name} ago`;
}

/** `expired`, `soon` (within 24 hours) or `later`, for highlighting. */
export function expiryClass(iso: string, now = Date.now()): 'expired' | 'soon' | 'later' {
  const left = Date.parse(iso) - now;
  if (left <= 0) return 'expired';
  return left <= 86_400_000 ? 'soon' : 'later';
}

export const EXPIRY_PRESETS: Array<[string, number]> = [
  ['1 day', 86_400_000],
  ['7 days', 7 * 86_400_000],
  ['30 days', 30 * 86_400_000],
  ['90 days', 90 * 86_400_000],
  ['1 year', 365 * 86_400_000],
];
