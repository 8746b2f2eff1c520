// The block shuffle's public face: blockShuffle over any range reader, and its options.
// The epoch loop is in windows.ts, the reading of claimed blocks in claims.ts, the two passes
// of a window's permutation in dealer.ts (each block in a random order) and hand-out.ts (the
// blocks interleaved in a random order).
import { type Chunk, type ChunkSource, epochOf } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { checkFunction, checkInt, OptionError, describe } from '../errors.js';
import { claimReader } from './claims.js';
import { type Settings, windowShuffle } from './windows.js';

export interface BlockShuffleOptions {
  /** Bytes per block. Default 1 MiB (about 45k MovieLens rows). */
  blockBytes?: number;
  /** Blocks mixed together: a window of openBlocks × blockBytes of the file. Default 32 (32 MiB); at most 65,536. */
  openBlocks?: number;
  /** Seed of the block order and of each window's permutation. Default 0. */
  seed?: number;
  /** A new order each epoch. Default true. */
  reshuffleEachEpoch?: boolean;
}

/**
 * A near-uniform shuffle of a file far larger than memory. The file is cut into byte-range
 * blocks; each epoch groups them, in a seeded random draw, into windows of `openBlocks`
 * blocks (one from each run of neighbouring blocks: see stratifiedWindows), and hands out
 * each window's rows in a uniform random permutation. A user-sorted ratings file comes out
 * with rows of thousands of users in every batch (every row of a window can land next to
 * any other), while memory holds about two windows. Each row is emitted exactly once per
 * epoch, provided `readRange(start, end)` yields the rows that start in [start, end) (as
 * `csv(path, { byteRange })` does); its `signal` aborts when the epoch ends early.
 * shuffledCsv does the same for a CSV file, with its blocks read on a worker thread too.
 *
 * Why windows, not a shuffle buffer over interleaved blocks: a buffer large enough to mix
 * thousands of users costs a cache miss per row on every swap, and interleaving blocks a
 * few rows at a time allocates per few rows; a window is permuted once, in two passes that
 * stay in cache (see BlockDealer and handOut), and never swapped.
 * @example
 * import { statSync } from 'node:fs';
 * const ds = blockShuffle(() => statSync('ratings.csv').size,
 *   (start, end) => csv('ratings.csv', { columns, byteRange: [start, end] }), { seed: 1 });
 */
export function blockShuffle<T>(
  totalBytes: number | (() => number),
  readRange: (start: number, end: number, signal: AbortSignal) => Dataset<T> | ChunkSource<T>,
  options: BlockShuffleOptions = {},
): Dataset<T> {
  checkFunction('blockShuffle', 'readRange', readRange);
  const bytesNow = typeof totalBytes === 'function' ? totalBytes : () => totalBytes;
  return windowShuffle<T>(
    bytesNow,
    (epoch, signal) => ({
      here: claimReader({
        read: async (start, end) => {
          const block = readRange(start, end, signal);
          const chunks: Chunk<T>[] = [];
          for await (const chunk of epochOf(block instanceof Dataset ? block.source : block, epoch)) chunks.push(chunk);
          return chunks;
        },
        close: async () => {},
      }),
      workers: [],
    }),
    checkOptions(options),
  );
}

/** Checks a block shuffle's options (also shuffledCsv's `shuffle`) and fills in the defaults. */
export function checkOptions(options: BlockShuffleOptions): Settings {
  const blockBytes = checkInt('blockShuffle', 'blockBytes', options.blockBytes ?? 1 << 20, 1);
  const openBlocks = checkInt('blockShuffle', 'openBlocks', options.openBlocks ?? 32, 1);
  // A row's block travels as a two-byte label when a window is handed out (hand-out.ts).
  if (openBlocks > 65_536) throw new OptionError(`blockShuffle: openBlocks must be at most 65,536, got ${openBlocks}`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new OptionError(`blockShuffle: seed must be an integer, got ${describe(seed)}`);
  for (const gone of ['blockLength', 'buffer'] as const) {
    if (gone in options) throw new OptionError(`blockShuffle: '${gone}' is not an option (a window of openBlocks blocks is permuted as a whole)`);
  }
  return { blockBytes, openBlocks, seed, reshuffleEachEpoch: options.reshuffleEachEpoch ?? true };
}

