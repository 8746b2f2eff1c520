import { type Chunk, CHUNK_SIZE, type ChunkSource, chunkToArray, ColumnChunk, dtypeOf, epochCounter, epochOf, type OpenOptions, sameLayout, sliceChunk, splitChunk } from '../chunk.js';
import { checkInt, OptionError, describe } from '../errors.js';
import { drawBelow, mixSeed, nextBelow, permutation, type RandomInt, randomState, shuffleInPlace } from '../random.js';
import { ColumnSlots } from '../shuffle/columns.js';
import { KernelSwap } from '../shuffle/kernel-swap.js';
import { bits32 } from '../shuffle/width4.js';

export interface ShuffleOptions {
  /** Seed of the shuffle order. Default 0: runs are reproducible unless you ask otherwise. */
  seed?: number;
  /** Draw a new order each epoch (seeded by seed and epoch number). Default true. */
  reshuffleEachEpoch?: boolean;
}

/**
 * A shuffle buffer (as tf.data's): holds `bufferSize` elements and emits a uniformly
 * chosen one as each new element arrives. It never holds more than `bufferSize` elements
 * besides the chunk in flight. Columnar input is shuffled column by column, with no
 * per-row objects. Written here, not taken from a library, because it is the hot path.
 */
export function shuffle<T>(source: ChunkSource<T>, bufferSize: number, options: ShuffleOptions = {}): ChunkSource<T> {
  checkInt('shuffle', 'bufferSize', bufferSize, 1);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new OptionError(`shuffle: seed must be an integer, got ${describe(seed)}`);
  const reshuffle = options.reshuffleEachEpoch ?? true;
  const epochs = epochCounter();
  return {
    size: source.size,
    schema: source.schema,
    // Over fresh chunks the buffer swaps rows into them and hands them on, keeping no view:
    // a chunk handed back is the source's (its drained rows are not, and the source ignores them).
    recycle: source.freshChunks === true ? source.recycle : undefined,
    open: (e, openOptions) => {
      const current = epochs(e);
      return run(randomState(mixSeed(seed, reshuffle ? current : 0)), e, openOptions);
    },
  };

  async function* run(random: Int32Array, e: number | undefined, openOptions: OpenOptions | undefined): AsyncGenerator<Chunk<T>, undefined> {
    const buffer = new ShuffleBuffer<T>(bufferSize, random, source.freshChunks === true);
    for await (const chunk of epochOf(source, e, openOptions)) {
      const out = buffer.push(chunk);
      if (out !== undefined) yield out;
    }
    yield* buffer.drain();
    return undefined;
  }
}

class ShuffleBuffer<T> {
  private rows: T[] | undefined;
  private columns: ColumnSlots | undefined;
  private filled = 0;
  /** The slots drawn for a chunk (reused: a chunk's draws are used before the next chunk's). */
  private slots = new Int32Array(0);
  /** randomInt's draws over the generator state (the columnar path draws in its own loop, from the same stream). */
  private readonly rand: RandomInt;
  /** The slots in a kernel instance of their own, where the swap runs (4-byte columns, fresh chunks). */
  private kernelSwap: KernelSwap | undefined;

  constructor(
    private readonly capacity: number,
    /** The generator's state (randomState): every path draws from it, so all agree draw for draw. */
    private readonly random: Int32Array,
    /** Chunks come fresh (ChunkSource.freshChunks): swap rows into them in place. */
    private readonly inPlace: boolean,
  ) {
    this.rand = (n) => nextBelow(random, n);
  }

  /** Takes a chunk in; returns the elements it displaced (as many as overflowed). */
  push(chunk: Chunk<T>): Chunk<T> | undefined {
    if (this.rows === undefined && this.columns === undefined) {
      if (chunk instanceof ColumnChunk) this.columns = this.slotsFor(chunk);
      else this.rows = [];
    }
    if (this.columns !== undefined && chunk instanceof ColumnChunk && sameLayout(this.columns, chunk)) {
      return this.pushColumns(chunk, this.columns);
    }
    if (this.columns !== undefined) this.toRows(this.columns);
    return this.pushRows(chunkToArray(chunk));
  }

  *drain(): Generator<Chunk<T>, void> {
    const n = this.filled;
    if (n === 0) return;
    if (this.columns !== undefined) {
      // One Fisher–Yates permutation for every column keeps rows together.
      const all = new ColumnChunk<T>(n, this.columns.gather(permutation(n, this.rand)));
      yield* splitChunk(all, CHUNK_SIZE);
    } else {
      const rows = this.rows!;
      shuffleInPlace(rows, this.rand);
      for (let s = 0; s < n; s += CHUNK_SIZE) yield rows.slice(s, s + CHUNK_SIZE);
    }
    this.filled = 0;
  }

  private pushRows(items: readonly T[]): T[] | undefined {
    const rows = this.rows!;
    const cap = this.capacity;
    let i = 0;
    while (i < items.length && this.filled < cap) rows[this.filled++] = items[i++]!;
    if (i === items.length) return undefined;
    const n = items.length - i;
    if (this.slots.length < n) this.slots = new Int32Array(Math.max(n, CHUNK_SIZE));
    const slots = this.slots;
    drawBelow(this.random, cap, n, slots); // the draws this.rand would make, in order
    const out = new Array<T>(n);
    for (let o = 0; o < n; i++, o++) {
      const j = slots[o]!;
      out[o] = rows[j]!;
      rows[j] = items[i]!;
    }
    return out;
  }

  private pushColumns(chunk: ColumnChunk<T>, columns: ColumnSlots): ColumnChunk<T> | undefined {
    const cap = this.capacity;
    const take = Math.min(cap - this.filled, chunk.size);
    if (take > 0) {
      columns.write(chunk, 0, take, this.filled);
      this.filled += take;
    }
    const n = chunk.size - take;
    if (n === 0) return undefined;
    // The same draws, in the same order, as the row path: the two agree element for element.
    if (this.slots.length < n) this.slots = new Int32Array(Math.max(n, CHUNK_SIZE));
    if (this.inPlace) {
      // A fresh chunk's rows trade places with the displaced ones, and its arrays go on
      // downstream: no output allocated (fresh memory costs page faults, more than the copy).
      // Each slot is drawn as the swap goes (one loop, the generator in locals).
      if (this.kernelSwap !== undefined) this.kernelSwap.swapDrawn(columns.names.map((name) => bits32(chunk.columns[name]!)), take, n, this.random);
      else columns.swapDrawn(chunk, take, n, cap, this.random, this.slots);
      return take === 0 ? chunk : (sliceChunk(chunk, take, chunk.size) as ColumnChunk<T>);
    }
    const slots = this.slots.subarray(0, n);
    for (let k = 0; k < n; k++) slots[k] = nextBelow(this.random, cap);
    return new ColumnChunk<T>(n, columns.swap(chunk, take, slots));
  }

  /**
   * The slots for chunks like `chunk`: for fresh chunks of 4-byte columns (MovieLens: three
   * or four), in a kernel instance of their own (KernelSwap), where the swap takes a third of
   * the JavaScript loop's time; else in JavaScript.
   */
  private slotsFor(chunk: ColumnChunk<T>): ColumnSlots {
    const names = Object.keys(chunk.columns);
    const dtypes = names.map((n) => dtypeOf(chunk.columns[n]!));
    if (this.inPlace && names.length > 0 && dtypes.every((d) => d !== 'float64')) this.kernelSwap = KernelSwap.create(this.capacity, names.length);
    return this.kernelSwap === undefined ? new ColumnSlots(chunk, this.capacity) : new ColumnSlots({ names, dtypes, storage: this.kernelSwap.slots }, this.capacity);
  }

  private toRows(columns: ColumnSlots): void {
    this.columns = undefined;
    this.kernelSwap = undefined;
    this.rows = [...chunkToArray(columns.chunk<T>(this.filled))];
  }
}
