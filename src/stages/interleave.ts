import {
  type Chunk,
  CHUNK_SIZE,
  type ChunkSource,
  chunkLength,
  chunkToArray,
  concatChunks,
  epochOf,
} from '../chunk.js';
import { ChunkCursor } from '../chunk-cursor.js';
import { checkFunction, checkInt, OptionError, StageError } from '../errors.js';
import { mixSeed, randomInt } from '../random.js';

export interface InterleaveOptions {
  /** How many inner datasets are open at once. Default 4. */
  cycleLength?: number;
  /** Elements taken from one inner dataset before moving to another. Default 1. */
  blockLength?: number;
  /**
   * 'cycle' (default) visits the open inner datasets in turn, as tf.data does; 'random'
   * picks one at random for each block (seeded by `seed` and the epoch): the mixing
   * step of a block shuffle.
   */
  order?: 'cycle' | 'random';
  seed?: number;
}

/**
 * Maps each element to a dataset and interleaves them: `cycleLength` inner datasets are
 * open at once, `blockLength` elements are taken from one before moving to the next, and
 * an exhausted one is replaced by the next element's. Every inner element appears exactly
 * once; a stop, break or error closes every open inner dataset.
 * @example
 * // Read 8 shard files 4 at a time, 64 rows from each in turn:
 * fromIterable(files).interleave((f) => csv(f), { cycleLength: 4, blockLength: 64 });
 */
export function interleave<T, U>(
  source: ChunkSource<T>,
  fn: (value: T, index: number) => ChunkSource<U> | { readonly source: ChunkSource<U> },
  options: InterleaveOptions = {},
): ChunkSource<U> {
  checkFunction('interleave', 'fn', fn);
  const cycleLength = checkInt('interleave', 'cycleLength', options.cycleLength ?? 4, 1);
  const blockLength = checkInt('interleave', 'blockLength', options.blockLength ?? 1, 1);
  const order = options.order ?? 'cycle';
  if (order !== 'cycle' && order !== 'random') throw new OptionError(`interleave: order must be 'cycle' or 'random', got '${String(order)}'`);
  const seed = options.seed ?? 0;
  let counter = 0;
  return {
    size: undefined,
    open: (e) => {
      const epoch = e ?? counter;
      counter = epoch + 1;
      return run(epoch, e);
    },
  };

  async function* run(epoch: number, explicit: number | undefined): AsyncGenerator<Chunk<U>, undefined> {
    const rand = randomInt(mixSeed(seed, epoch));
    const outer = epochOf(source, explicit)[Symbol.asyncIterator]();
    // One cursor per open inner dataset, each keeping one read in flight: their I/O overlaps.
    const lanes: ChunkCursor<U>[] = [];
    let pending: readonly T[] = [];
    let pendingAt = 0;
    let index = 0;
    let outerDone = false;
    let turn = 0;

    // Opens inner datasets until `cycleLength` are open or the outer one is exhausted.
    const fill = async (): Promise<void> => {
      while (lanes.length < cycleLength && !outerDone) {
        if (pendingAt === pending.length) {
          const r = await outer.next();
          if (r.done) {
            outerDone = true;
            break;
          }
          pending = chunkToArray(r.value);
          pendingAt = 0;
          continue;
        }
        const value = pending[pendingAt++]!;
        let inner: ChunkSource<U>;
        try {
          const made = fn(value, index++);
          inner = 'open' in made ? made : made.source;
        } catch (err) {
          throw new StageError('interleave', index - 1, err);
        }
        lanes.push(new ChunkCursor(inner.open(explicit), true));
      }
    };

    try {
      await fill();
      let parts: Chunk<U>[] = [];
      let buffered = 0;
      while (lanes.length > 0) {
        const k = order === 'random' ? rand(lanes.length) : turn % lanes.length;
        const lane = lanes[k]!;
        const block = await lane.take(blockLength);
        if (block === undefined) {
          lanes.splice(k, 1);
          await fill();
          continue;
        }
        turn = k + 1;
        parts.push(block);
        buffered += chunkLength(block);
        if (buffered >= CHUNK_SIZE) {
          yield concatChunks(parts);
          parts = [];
          buffered = 0;
        }
      }
      if (parts.length > 0) yield concatChunks(parts);
    } finally {
      await Promise.all([...lanes.map((l) => l.close()), outer.return?.()]);
    }
    return undefined;
  }
}
