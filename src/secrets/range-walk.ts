/**
 * One page of a listing over key ranges: the rows a caller may see, read a
 * batch at a time from the ranges its patterns reach, yielding to other
 * requests between batches, and for a bounded time. When the time runs
 * out first, the page is short and says where to go on from: a caller
 * whose patterns reach many rows it may not see gets short pages, never a
 * long request. Pure of storage: the caller says how to read a batch.
 */
import { performance } from 'node:perf_hooks';
import type { KeyRange } from './listing-ranges';

export interface RangeWalk<Row, Position> {
  /** Sorted, disjoint. */
  readonly ranges: readonly KeyRange[];
  /** Where the previous page stopped; undefined for the first page. */
  readonly after: Position | undefined;
  readonly limit: number;
  readonly batchSize: number;
  /** Wall time one page may read for (not the injected clock: it bounds the work, not the data). */
  readonly budgetMs: number;
  /** Up to `limit` rows of `range` after `after`, in order. */
  read(range: KeyRange, after: Position | undefined, limit: number): Promise<Row[]>;
  positionOf(row: Row): Position;
  /** Whether the caller sees this row. */
  keep(row: Row): boolean;
}

export interface WalkedPage<Row, Position> {
  readonly rows: Row[];
  /** Where the next page starts; undefined when nothing may be left. */
  readonly resumeAfter?: Position;
}

export async function walkRanges<Row, Position>(walk: RangeWalk<Row, Position>): Promise<WalkedPage<Row, Position>> {
  const { ranges, limit, batchSize } = walk;
  const deadline = performance.now() + walk.budgetMs;
  const rows: Row[] = [];
  let after = walk.after;
  for (const [rangeIndex, range] of ranges.entries()) {
    for (;;) {
      if (after !== undefined && performance.now() > deadline) return { rows, resumeAfter: after };
      const batch = await walk.read(range, after, batchSize);
      for (const [index, row] of batch.entries()) {
        after = walk.positionOf(row);
        if (!walk.keep(row)) continue;
        rows.push(row);
        if (rows.length === limit) {
          const mayHaveMore = index < batch.length - 1 || batch.length === batchSize || rangeIndex < ranges.length - 1;
          return mayHaveMore ? { rows, resumeAfter: after } : { rows };
        }
      }
      if (batch.length < batchSize) break;
      // Let other requests run between batches: a backend may read on the event loop itself.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return { rows };
}
