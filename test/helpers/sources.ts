// Instrumented sources for stage tests: they count what is pulled and whether the epoch was closed.
import { type Chunk, ColumnChunk, Dataset } from '../../src/index.js';

export interface Tracker {
  /** Elements handed downstream so far (this epoch). */
  pulled: number;
  opened: number;
  /** Epochs whose iterator was closed (return() or natural end). */
  closed: number;
}

export interface TrackedOptions {
  chunkSize?: number;
  /** Throw when asked for the chunk holding this element index. */
  failAt?: number;
  /** Emit ColumnChunks { id: Int32Array, half: Float64Array } instead of numbers. */
  columnar?: boolean;
}

export type IdRow = { id: number; half: number };

/** range(n) with counters; optional failure and columnar output. */
export function tracked(n: number, options: TrackedOptions & { columnar: true }): { ds: Dataset<IdRow>; tracker: Tracker };
export function tracked(n: number, options?: TrackedOptions): { ds: Dataset<number>; tracker: Tracker };
export function tracked(n: number, options: TrackedOptions = {}): { ds: Dataset<unknown>; tracker: Tracker } {
  const chunkSize = options.chunkSize ?? 7;
  const tracker: Tracker = { pulled: 0, opened: 0, closed: 0 };
  const ds = new Dataset<unknown>({
    size: n,
    open: () => {
      tracker.opened++;
      tracker.pulled = 0;
      return run();
    },
  });
  async function* run(): AsyncGenerator<Chunk<unknown>, undefined> {
    try {
      for (let start = 0; start < n; start += chunkSize) {
        const end = Math.min(n, start + chunkSize);
        if (options.failAt !== undefined && options.failAt >= start && options.failAt < end) {
          throw new Error(`source failed at ${options.failAt}`);
        }
        tracker.pulled += end - start;
        if (options.columnar) {
          const id = new Int32Array(end - start);
          const half = new Float64Array(end - start);
          for (let i = start; i < end; i++) {
            id[i - start] = i;
            half[i - start] = i / 2;
          }
          yield new ColumnChunk(end - start, { id, half });
        } else {
          const out: number[] = [];
          for (let i = start; i < end; i++) out.push(i);
          yield out;
        }
      }
    } finally {
      tracker.closed++;
    }
    return undefined;
  }
  return { ds, tracker };
}

/** Sorts numbers ascending (for multiset comparisons). */
export function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/** Collects unhandled rejections while `fn` runs (plus a couple of turns after). */
export async function unhandledDuring(fn: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => {
    seen.push(reason);
  };
  process.on('unhandledRejection', listener);
  try {
    await fn();
    await new Promise((r) => setTimeout(r, 20));
  } finally {
    process.off('unhandledRejection', listener);
  }
  return seen;
}
