/** Every "now" in the service comes from a Clock, never from the database. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to: for tests of expiry and sweeping. */
export class ManualClock implements Clock {
  constructor(private current: number = Date.UTC(2030, 0, 1)) {}
  now(): number {
    return this.current;
  }
  set(ms: number): void {
    this.current = ms;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/** RFC 3339 in UTC with millisecond precision. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}
