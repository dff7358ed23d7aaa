/**
 * The one glob compiler behind matching and coverage. A target pattern is
 * `/`-separated segments; `**` as a whole segment stands for any number of
 * segments (one or more when it ends the pattern, as minimatch reads it),
 * and in any other segment only `*` is special, standing for any run of
 * characters within the segment.
 *
 * Nothing here backtracks exponentially: a segment glob is matched by
 * finding its literal parts left to right, and segments are matched with
 * the classic one-star-at-a-time wildcard walk, so the cost is bounded by
 * the product of the pattern's and the key's lengths however hostile the
 * pattern. A regular expression built from `*a*a*a*b` is not.
 */

/** A segment's literal parts, split at `*`; one part means no wildcard. */
export type SegmentGlob = readonly string[];

const GLOBSTAR = null;
type CompiledSegment = SegmentGlob | typeof GLOBSTAR;

export function compileSegment(segment: string): SegmentGlob {
  return segment.split('*');
}

/** Whether `text` matches the segment glob; every character of `text` is literal, `*` included. */
export function segmentMatches(glob: SegmentGlob, text: string): boolean {
  const head = glob[0] ?? '';
  if (glob.length === 1) return text === head;
  const tail = glob[glob.length - 1] ?? '';
  const end = text.length - tail.length;
  if (end < head.length || !text.startsWith(head) || !text.endsWith(tail)) return false;
  // Leftmost placement of each middle part leaves the most room for the rest: greedy is exact here.
  let at = head.length;
  for (let index = 1; index < glob.length - 1; index++) {
    const part = glob[index] ?? '';
    if (part === '') continue;
    const found = text.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/** A target pattern compiled once; `matches` takes a key (or any literal target). */
export class TargetPattern {
  private readonly segments: readonly CompiledSegment[];

  constructor(readonly source: string) {
    const parts = source.split('/');
    // A trailing `**` needs at least one segment: read it as "one segment, then any number".
    while (parts.length > 1 && parts[parts.length - 1] === '**' && parts[parts.length - 2] === '**') parts.pop();
    const compiled: CompiledSegment[] = parts.map((part) => (part === '**' ? GLOBSTAR : compileSegment(part)));
    if (compiled[compiled.length - 1] === GLOBSTAR) compiled.splice(compiled.length - 1, 0, ['', '']);
    this.segments = compiled;
  }

  matches(target: string): boolean {
    const keySegments = target.split('/');
    const pattern = this.segments;
    let p = 0;
    let k = 0;
    // Where the last `**` was, and the first key segment it has not yet absorbed.
    let starAt = -1;
    let resumeAt = 0;
    while (k < keySegments.length) {
      const current = pattern[p];
      if (current === GLOBSTAR) {
        starAt = p++;
        resumeAt = k;
      } else if (current !== undefined && segmentMatches(current, keySegments[k] as string)) {
        p++;
        k++;
      } else if (starAt >= 0) {
        // Let the last `**` absorb one more segment and try again from there.
        p = starAt + 1;
        k = ++resumeAt;
      } else {
        return false;
      }
    }
    while (pattern[p] === GLOBSTAR) p++;
    return p === pattern.length;
  }

  /** The literal text every matching target starts with ('' when the pattern starts with a wildcard). */
  get literalPrefix(): string {
    const star = this.source.indexOf('*');
    return star < 0 ? this.source : this.source.slice(0, star);
  }

  get isLiteral(): boolean {
    return !this.source.includes('*');
  }
}
