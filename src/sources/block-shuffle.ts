import { type Chunk, CHUNK_SIZE, type ChunkSource, chunkToArray, ColumnChunk, epochOf } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { checkFunction, checkInt, OptionError, describe } from '../errors.js';
import { mixSeed, permutation, type RandomInt, randomInt } from '../random.js';
import { ColumnSlots } from '../stages/shuffle-columns.js';

export interface BlockShuffleOptions {
  /** Bytes per block. Default 256 KiB (about 10k MovieLens rows). */
  blockBytes?: number;
  /** Blocks mixed together: a window of openBlocks × blockBytes of the file. Default 128 (32 MiB). */
  openBlocks?: number;
  /** Seed of the block order and of each window's permutation. Default 0. */
  seed?: number;
  /** A new order each epoch. Default true. */
  reshuffleEachEpoch?: boolean;
}

/**
 * A near-uniform shuffle of a file far larger than memory. The file is cut into byte-range
 * blocks; each epoch takes the blocks in a seeded random order, `openBlocks` at a time (a
 * window), and hands out each window's rows in a seeded random permutation. A user-sorted
 * ratings file comes out with rows of thousands of users in every batch (every row of a
 * window can land next to any other), while memory holds one window. Each row is emitted
 * exactly once per epoch, provided `readRange(start, end)` yields the rows that start in
 * [start, end) (as `csv(path, { byteRange })` does).
 *
 * Why windows, not a shuffle buffer over interleaved blocks: a buffer large enough to mix
 * thousands of users costs a cache miss per row on every swap, and interleaving blocks a
 * few rows at a time allocates per few rows; a window is decoded in sequence, permuted
 * once (one random read per row) and never swapped.
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
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new OptionError(`blockShuffle: seed must be an integer, got ${describe(seed)}`);
  for (const gone of ['blockLength', 'buffer'] as const) {
    if (gone in options) throw new OptionError(`blockShuffle: '${gone}' is not an option (a window of openBlocks blocks is permuted as a whole)`);
  }
  const reshuffleEachEpoch = options.reshuffleEachEpoch ?? true;
  const bytesNow = typeof totalBytes === 'function' ? totalBytes : () => totalBytes;
  let counter = 0;
  return new Dataset<T>({
    size: undefined,
    open: (asked) => {
      const epoch = asked ?? counter;
      counter = epoch + 1;
      return run(reshuffleEachEpoch ? epoch : 0);
    },
  });

  async function* run(epoch: number): AsyncGenerator<Chunk<T>, undefined> {
    const rand = randomInt(mixSeed(seed, epoch));
    const bytes = bytesNow(); // per epoch: the file may have changed size
    const order = permutation(Math.ceil(bytes / blockBytes), rand);
    const read = async (b: number): Promise<Chunk<T>[]> => {
      const block = readRange(b * blockBytes, Math.min(bytes, (b + 1) * blockBytes));
      const chunks: Chunk<T>[] = [];
      for await (const chunk of epochOf(block instanceof Dataset ? block.source : block, epoch)) chunks.push(chunk);
      return chunks;
    };
    // A few blocks are read at once, so the decoder never waits on opening the next file
    // range; they are still consumed in the permuted order.
    const inFlight: Promise<Chunk<T>[]>[] = [];
    let next = 0;
    const fill = (): void => {
      while (inFlight.length < READS_IN_FLIGHT && next < order.length) {
        const p = read(order[next++]!);
        p.catch(() => {}); // rethrown when awaited
        inFlight.push(p);
      }
    };
    const window = new Window<T>();
    try {
      for (let w = 0; w < order.length; w += openBlocks) {
        for (let k = w; k < Math.min(order.length, w + openBlocks); k++) {
          fill();
          for (const chunk of await inFlight.shift()!) window.add(chunk);
        }
        yield* window.drain(rand);
      }
    } finally {
      // Reads still in flight after a break or an error finish (and close their files) first.
      await Promise.allSettled(inFlight);
    }
    return undefined;
  }
}

/** Block reads kept in flight ahead of the decoder. */
const READS_IN_FLIGHT = 4;

/**
 * The rows of one window, drained in a random permutation. Blocks are written straight into
 * the packed rows kept from the last window when they fit, so a window is held once.
 */
class Window<T> {
  private parts: Chunk<T>[] = [];
  private slots: ColumnSlots | undefined;
  private capacity = 0;
  private filled = 0;

  add(chunk: Chunk<T>): void {
    const slots = this.slots;
    if (this.parts.length === 0 && slots !== undefined && chunk instanceof ColumnChunk && this.filled + chunk.size <= this.capacity && slots.matches(chunk)) {
      slots.write(chunk, 0, chunk.size, this.filled);
      this.filled += chunk.size;
    } else {
      this.parts.push(chunk);
    }
  }

  *drain(rand: RandomInt): Generator<Chunk<T>, void> {
    const parts = this.parts;
    this.parts = [];
    if (parts.length === 0 && this.slots !== undefined) {
      // Every block went straight into the packed rows.
      const rows = this.filled;
      this.filled = 0;
      yield* permuted(this.slots, permutation(rows, rand));
      return;
    }
    if (this.filled > 0) {
      // Some blocks did not fit: the rows written so far join the rest as one chunk.
      parts.unshift(new ColumnChunk<T>(this.filled, this.slots!.gather(Int32Array.from({ length: this.filled }, (_, i) => i))));
      this.filled = 0;
    }
    const rows = parts.reduce((n, c) => n + (c instanceof ColumnChunk ? c.size : c.length), 0);
    if (rows === 0) return;
    const order = permutation(rows, rand);
    const first = parts[0]!;
    if (first instanceof ColumnChunk && parts.every((p) => p instanceof ColumnChunk)) {
      // Packed rows (ColumnSlots): one random read per output row, kept between windows.
      const slots = this.slotsFor(first, rows);
      if (parts.every((p) => slots.matches(p as ColumnChunk<T>))) {
        let at = 0;
        for (const p of parts as ColumnChunk<T>[]) {
          slots.write(p, 0, p.size, at);
          at += p.size;
        }
        yield* permuted<T>(slots, order);
        return;
      }
    }
    // Columns that change layout within a window: rows, as concatChunks would give them.
    const items = parts.flatMap((p) => chunkToArray(p));
    for (let s = 0; s < rows; s += CHUNK_SIZE) yield Array.from(order.subarray(s, s + CHUNK_SIZE), (i) => items[i]!);
  }

  private slotsFor(like: ColumnChunk<T>, rows: number): ColumnSlots {
    if (this.slots === undefined || this.capacity < rows || !this.slots.matches(like)) {
      this.capacity = Math.ceil(rows * 1.25); // later windows differ a little in rows
      this.slots = new ColumnSlots(like, this.capacity);
    }
    return this.slots;
  }
}

/** The packed rows in `order`, a chunk at a time. */
function* permuted<T>(slots: ColumnSlots, order: Int32Array): Generator<ColumnChunk<T>, void> {
  for (let s = 0; s < order.length; s += CHUNK_SIZE) {
    yield new ColumnChunk<T>(Math.min(CHUNK_SIZE, order.length - s), slots.gather(order.subarray(s, s + CHUNK_SIZE)));
  }
}
