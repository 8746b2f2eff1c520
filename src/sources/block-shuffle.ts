import type { ChunkSource } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { checkFunction, checkInt, OptionError, describe } from '../errors.js';
import { range } from './range.js';

export interface BlockShuffleOptions {
  /** Bytes per block. Default 256 KiB (about 10k MovieLens rows). */
  blockBytes?: number;
  /** Blocks read at once, interleaved at random. Default 128. */
  openBlocks?: number;
  /** Rows taken from one block before picking another. Default 32. */
  blockLength?: number;
  /** Rows in the final shuffle buffer. Default 262,144 (4 MiB per 4-byte column). */
  buffer?: number;
  /** Seed of the block order, the interleaving and the buffer. Default 0. */
  seed?: number;
  /** A new order each epoch. Default true. */
  reshuffleEachEpoch?: boolean;
}

/**
 * A near-uniform shuffle of a file far larger than memory. The file is cut into byte-range
 * blocks; each epoch visits the blocks in a seeded random order, `openBlocks` at a time,
 * taking `blockLength` rows from a randomly chosen open block, and passes the stream
 * through a shuffle buffer. A user-sorted ratings file comes out with rows of thousands of
 * users in every batch, while memory stays at about openBlocks × blockBytes + buffer rows.
 * Each row is emitted exactly once per epoch, provided `readRange(start, end)` yields the
 * rows that start in [start, end) (as `csv(path, { byteRange })` does).
 * @example
 * const ds = blockShuffle(() => statSync('ratings.csv').size,
 *   (start, end) => csv('ratings.csv', { columns, byteRange: [start, end] }), { seed: 1 });
 */
export function blockShuffle<T>(
  totalBytes: number | (() => number),
  readRange: (start: number, end: number) => Dataset<T> | ChunkSource<T>,
  options: BlockShuffleOptions = {},
): Dataset<T> {
  checkFunction('blockShuffle', 'readRange', readRange);
  const blockBytes = checkInt('blockShuffle', 'blockBytes', options.blockBytes ?? 256 << 10, 1);
  const openBlocks = checkInt('blockShuffle', 'openBlocks', options.openBlocks ?? 128, 1);
  const blockLength = checkInt('blockShuffle', 'blockLength', options.blockLength ?? 32, 1);
  const buffer = checkInt('blockShuffle', 'buffer', options.buffer ?? 1 << 18, 1);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new OptionError(`blockShuffle: seed must be an integer, got ${describe(seed)}`);
  const reshuffleEachEpoch = options.reshuffleEachEpoch ?? true;
  const bytesNow = typeof totalBytes === 'function' ? totalBytes : () => totalBytes;

  // Built per epoch: the file may have changed size since the last one.
  const pipeline = (): Dataset<T> => {
    const bytes = bytesNow();
    const blocks = Math.ceil(bytes / blockBytes);
    return range(blocks)
      .shuffle(Math.max(1, blocks), { seed, reshuffleEachEpoch })
      .interleave((b) => readRange(b * blockBytes, Math.min(bytes, (b + 1) * blockBytes)), {
        cycleLength: openBlocks,
        blockLength,
        order: 'random',
        seed: reshuffleEachEpoch ? seed : seed ^ 0x5bd1e995,
      })
      .shuffle(buffer, { seed, reshuffleEachEpoch });
  };
  let counter = 0;
  return new Dataset<T>({
    size: undefined,
    open: (e) => {
      const epoch = e ?? counter;
      counter = epoch + 1;
      return pipeline().source.open(reshuffleEachEpoch ? epoch : 0);
    },
  });
}
