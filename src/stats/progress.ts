import type { ChunkIterator, ChunkSource, ColumnsOf, OpenOptions } from '../chunk.js';
import { chunkLength } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { checkFunction } from '../errors.js';

/** What a progress callback hears after each chunk. */
export interface ProgressInfo {
  /** Elements so far this epoch. */
  rows: number;
  /** Elements per epoch when known (`size`): with `rows`, a percentage and an ETA. */
  total: number | undefined;
  /** Elements per second since the epoch opened. */
  rowsPerSecond: number;
  /** Seconds left at that rate, when `total` is known. */
  etaSeconds: number | undefined;
}

/**
 * The same recipe, calling `onProgress` after each chunk (never per element) with the rows
 * so far, rows/s and an ETA from `size`: for progress bars over long passes.
 * @example
 * import { range, withProgress } from 'sluice';
 * await withProgress(range(1e6), (p) => process.stderr.write(`\r${p.rows}/${p.total}`)).count();
 */
export function withProgress<T, C = ColumnsOf<T>>(ds: Dataset<T, C>, onProgress: (info: ProgressInfo) => void): Dataset<T, C> {
  checkFunction('withProgress', 'onProgress', onProgress);
  const source = ds.source;
  const tapped = Object.create(source) as ChunkSource<T>;
  Object.defineProperty(tapped, 'open', {
    value: (epoch?: number, options?: OpenOptions): ChunkIterator<T> => {
      // A pass-through: the fence is the wrapped iterator's.
      const it = source.open(epoch, options);
      const started = performance.now();
      let rows = 0;
      return {
        next: async () => {
          const r = await it.next();
          if (!r.done) {
            rows += chunkLength(r.value);
            const total = source.size;
            const rate = rows / Math.max(1e-6, (performance.now() - started) / 1000);
            onProgress({ rows, total, rowsPerSecond: rate, etaSeconds: total === undefined ? undefined : Math.max(0, total - rows) / rate });
          }
          return r;
        },
        return: async () => (await it.return?.()) ?? { done: true, value: undefined },
      };
    },
  });
  return new Dataset<T, C>(tapped);
}
