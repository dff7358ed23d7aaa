/**
 * Replaces every secret value in a stream of output with `***`, also when a
 * value arrives split across chunks. What cannot contain a secret is
 * written at once, so interactive output stays live; only a tail that
 * could be the start of a secret waits for the next chunk (or the end).
 */
export const MASK = Buffer.from('***');
export const MIN_MASKED_LENGTH = 4;

interface Match {
  readonly start: number;
  readonly end: number;
}

export class OutputMasker {
  private readonly needles: Buffer[];
  private pending = Buffer.alloc(0);

  constructor(
    values: Iterable<string>,
    private readonly write: (chunk: Buffer) => void,
  ) {
    const unique = new Set([...values].filter((value) => value.length >= MIN_MASKED_LENGTH));
    this.needles = [...unique].map((value) => Buffer.from(value, 'utf8')).sort((a, b) => b.length - a.length);
  }

  push(chunk: Buffer): void {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const keepFrom = this.emit(data, this.holdFrom(data));
    this.pending = Buffer.from(data.subarray(keepFrom));
  }

  /** Writes whatever is still held: at the end of the stream no secret can complete any more. */
  end(): void {
    this.emit(this.pending, this.pending.length);
    this.pending = Buffer.alloc(0);
  }

  /**
   * Where the held tail begins: at the longest tail that could start a
   * secret, or earlier, at a match that runs into that tail, since a longer
   * overlapping secret may still complete it (the longest match wins across
   * writes as within one).
   */
  private holdFrom(data: Buffer): number {
    let limit = this.heldTailStart(data);
    if (limit === data.length) return limit;
    for (const match of this.findMatches(data)) {
      if (match.start < limit && match.end > limit) limit = match.start;
    }
    return limit;
  }

  /** Where the longest tail of `data` that is a proper prefix of some secret begins. */
  private heldTailStart(data: Buffer): number {
    let longest = 0;
    for (const needle of this.needles) {
      for (let length = Math.min(needle.length - 1, data.length); length > longest; length--) {
        if (data.subarray(data.length - length).equals(needle.subarray(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return data.length - longest;
  }

  /** Writes data before `limit` with secrets masked; a match crossing `limit` (only at the end) is written whole. Returns where it stopped. */
  private emit(data: Buffer, limit: number): number {
    const matches = this.findMatches(data).filter((match) => match.start < limit);
    let written = 0;
    const parts: Buffer[] = [];
    for (const match of matches) {
      parts.push(data.subarray(written, match.start), MASK);
      written = match.end;
    }
    const stop = Math.max(written, limit);
    parts.push(data.subarray(written, stop));
    const out = Buffer.concat(parts);
    if (out.length > 0) this.write(out);
    return stop;
  }

  /** Non-overlapping matches, leftmost first, the longest secret winning at one position. */
  private findMatches(data: Buffer): Match[] {
    const found: Match[] = [];
    for (const needle of this.needles) {
      for (let at = data.indexOf(needle); at >= 0; at = data.indexOf(needle, at + 1)) {
        found.push({ start: at, end: at + needle.length });
      }
    }
    found.sort((a, b) => a.start - b.start || b.end - a.end);
    const chosen: Match[] = [];
    let covered = 0;
    for (const match of found) {
      if (match.start < covered) {
        // Overlapping matches: mask their union.
        const last = chosen[chosen.length - 1];
        if (last && match.end > last.end) chosen[chosen.length - 1] = { start: last.start, end: match.end };
        covered = Math.max(covered, match.end);
        continue;
      }
      chosen.push(match);
      covered = match.end;
    }
    return chosen;
  }
}
