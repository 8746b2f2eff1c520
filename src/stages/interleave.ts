import {
  type Chunk,
  CHUNK_SIZE,
  type ChunkIterator,
  type ChunkSource,
  chunkLength,
  chunkToArray,
  concatChunks,
  epochCounter,
  type OpenOptions,
} from '../chunk.js';
import { ChunkCursor } from '../chunk-cursor.js';
import { closeAll } from '../iterator.js';
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
  fn: (value: T, index: number) => Inner<U>,
  options: InterleaveOptions = {},
): ChunkSource<U> {
  checkFunction('interleave', 'fn', fn);
  const cycleLength = checkInt('interleave', 'cycleLength', options.cycleLength ?? 4, 1);
  const blockLength = checkInt('interleave', 'blockLength', options.blockLength ?? 1, 1);
  const order = options.order ?? 'cycle';
  if (order !== 'cycle' && order !== 'random') throw new OptionError(`interleave: order must be 'cycle' or 'random', got '${String(order)}'`);
  const seed = options.seed ?? 0;
  const epochs = epochCounter();
  return {
    size: undefined,
    open: (e, openOptions) => {
      const epoch = epochs(e);
      const opener = new Opener<T, U>(source.open(e, openOptions), fn, e, openOptions);
      const rand = randomInt(mixSeed(seed, epoch));
      return interleaveEpoch(opener, cycleLength, blockLength, order === 'random' ? rand : undefined);
    },
  };
}

type Inner<U> = ChunkSource<U> | { readonly source: ChunkSource<U> };

/**
 * One epoch: up to `cycleLength` lanes open, `blockLength` elements from each in turn (or
 * from one picked by `pick`); blocks gathered into chunks of about CHUNK_SIZE. In cycle
 * order an exhausted lane's slot takes the next outer element's lane and the turn moves on,
 * as tf.data's interleave does (the new lane is read when its slot's turn comes round).
 * Every lane and the outer epoch are closed at the end, on a break or an error (every closer
 * runs; the first error wins).
 */
async function* interleaveEpoch<T, U>(
  opener: Opener<T, U>,
  cycleLength: number,
  blockLength: number,
  pick: ((n: number) => number) | undefined,
): AsyncGenerator<Chunk<U>, undefined> {
  const lanes: ChunkCursor<U>[] = [];
  let failing = false;
  try {
    for (let lane = await opener.next(); lane !== undefined; lane = lanes.length < cycleLength ? await opener.next() : undefined) lanes.push(lane);
    let parts: Chunk<U>[] = [];
    let buffered = 0;
    let turn = 0;
    while (lanes.length > 0) {
      const k = pick === undefined ? turn % lanes.length : pick(lanes.length);
      const { taken, ended } = await takeBlock(lanes[k]!, blockLength, parts);
      buffered += taken;
      turn = k + 1;
      if (ended) {
        const next = await opener.next();
        if (next !== undefined) {
          lanes[k] = next;
        } else {
          lanes.splice(k, 1); // the lane after it moves into slot k: its turn is next
          turn = k;
        }
      }
      if (buffered >= CHUNK_SIZE) {
        yield concatChunks(parts);
        parts = [];
        buffered = 0;
      }
    }
    if (parts.length > 0) yield concatChunks(parts);
  } catch (error) {
    failing = true;
    throw error;
  } finally {
    await closeAll([...lanes.map((l) => () => l.close()), () => opener.close()], failing);
  }
  return undefined;
}

/** Up to `blockLength` elements of `lane` into `parts`, across its chunk boundaries; `ended` once the lane has none left. */
async function takeBlock<U>(lane: ChunkCursor<U>, blockLength: number, parts: Chunk<U>[]): Promise<{ taken: number; ended: boolean }> {
  let taken = 0;
  while (taken < blockLength) {
    const part = await lane.take(blockLength - taken);
    if (part === undefined) return { taken, ended: true };
    parts.push(part);
    taken += chunkLength(part);
  }
  return { taken, ended: false };
}

/** The outer epoch's elements, each made into an inner dataset and opened as a lane, one at a time. */
class Opener<T, U> {
  private pending: readonly T[] = [];
  private at = 0;
  private index = 0;
  private done = false;

  constructor(
    private readonly outer: ChunkIterator<T>,
    private readonly fn: (value: T, index: number) => Inner<U>,
    private readonly epoch: number | undefined,
    private readonly options: OpenOptions | undefined,
  ) {}

  /** The next inner dataset, opened; undefined once the outer epoch is exhausted. */
  async next(): Promise<ChunkCursor<U> | undefined> {
    while (this.at === this.pending.length) {
      if (this.done) return undefined;
      const r = await this.outer.next();
      if (r.done) {
        this.done = true;
        return undefined;
      }
      this.pending = chunkToArray(r.value);
      this.at = 0;
    }
    const value = this.pending[this.at++]!;
    const index = this.index++;
    let inner: ChunkSource<U>;
    try {
      const made = this.fn(value, index);
      inner = 'open' in made ? made : made.source;
    } catch (err) {
      throw new StageError('interleave', index, err);
    }
    // Each keeps one read in flight: the I/O of the open inner datasets overlaps.
    return new ChunkCursor(inner.open(this.epoch, this.options), true);
  }

  async close(): Promise<void> {
    await this.outer.return?.();
  }
}
