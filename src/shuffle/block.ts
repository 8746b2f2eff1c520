import { type Chunk, CHUNK_SIZE, type ChunkSource, chunkToArray, ColumnChunk, dtypeOf, epochOf, type NumericArray } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { checkFunction, checkInt, OptionError, describe } from '../errors.js';
import { mixSeed, nextBelow, permutation, type RandomInt, randomInt, randomState } from '../random.js';
import { ColumnSlots } from './columns.js';

export interface BlockShuffleOptions {
  /** Bytes per block. Default 1 MiB (about 45k MovieLens rows). */
  blockBytes?: number;
  /** Blocks mixed together: a window of openBlocks × blockBytes of the file. Default 32 (32 MiB). */
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

/**
 * A window being read: its blocks' byte ranges and seeds, its bucket count, and a counter
 * (on shared memory) from which every reader, this thread and the workers, claims the next
 * block to read.
 */
export interface WindowClaims {
  ranges: [number, number][];
  seeds: number[];
  buckets: number;
  next: Int32Array;
}

/**
 * A block of a window, read and dealt into the window's buckets: its rows that went to bucket
 * b are rows [starts[b], starts[b + 1]) of `slots` (packed) or `rows` (layouts that do not pack).
 */
export type BlockRows<T> = { id: number; starts: Int32Array } & ({ slots: ColumnSlots; rows?: undefined } | { rows: T[]; slots?: undefined });

/** Reads blocks of a window until none is left to claim, into `spares` (storage of blocks already handed out) first. */
export type PartReader<T> = (window: WindowClaims, spares: ColumnSlots[]) => Promise<BlockRows<T>[]>;

interface Settings {
  blockBytes: number;
  openBlocks: number;
  seed: number;
  reshuffleEachEpoch: boolean;
}

export function checkOptions(options: BlockShuffleOptions): Settings {
  const blockBytes = checkInt('blockShuffle', 'blockBytes', options.blockBytes ?? 1 << 20, 1);
  const openBlocks = checkInt('blockShuffle', 'openBlocks', options.openBlocks ?? 32, 1);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new OptionError(`blockShuffle: seed must be an integer, got ${describe(seed)}`);
  for (const gone of ['blockLength', 'buffer'] as const) {
    if (gone in options) throw new OptionError(`blockShuffle: '${gone}' is not an option (a window of openBlocks blocks is permuted as a whole)`);
  }
  return { blockBytes, openBlocks, seed, reshuffleEachEpoch: options.reshuffleEachEpoch ?? true };
}

/** Bytes of a window per bucket: about 2,900 MovieLens rows, whose shuffle stays in cache. */
const BUCKET_BYTES = 64 << 10;
/** Buckets a window may have (keys are 16-bit). */
const MAX_BUCKETS = 65_535;

/**
 * The epoch loop of a block shuffle, whoever reads the blocks: blocks in a seeded,
 * stratified order, `openBlocks` to a window. Worker readers start on the next window while
 * this thread hands out the current one; then this thread claims blocks too until none is
 * left (so it reads all of them without workers, few when its consumer keeps it busy, and
 * nothing waits on a thread that is still starting). Every draw is seeded by (seed, epoch,
 * block or window), so the output is the same whoever read which block.
 */
export function windowShuffle<T>(
  bytesNow: () => number,
  openReaders: (epoch: number, signal: AbortSignal) => { here: PartReader<T>; workers: PartReader<T>[] },
  settings: Settings,
): Dataset<T> {
  const { blockBytes, openBlocks, seed, reshuffleEachEpoch } = settings;
  let counter = 0;
  return new Dataset<T>({
    size: undefined,
    open: (asked) => {
      const epoch = asked ?? counter;
      counter = epoch + 1;
      return run(epoch, reshuffleEachEpoch ? epoch : 0);
    },
  });

  async function* run(epoch: number, orderEpoch: number): AsyncGenerator<Chunk<T>, undefined> {
    const epochSeed = mixSeed(seed, orderEpoch);
    const blockSeeds = mixSeed(epochSeed, 1);
    const windowSeeds = mixSeed(epochSeed, 2);
    const bytes = bytesNow(); // per epoch: the file may have changed size
    const windowBlocks = stratifiedWindows(Math.ceil(bytes / blockBytes), openBlocks, randomInt(epochSeed));
    const abort = new AbortController();
    const readers = openReaders(epoch, abort.signal);
    const here = readers.workers.length; // this thread's index in `spares`
    // Per reader: storage of blocks already handed out, to read into again.
    const spares: ColumnSlots[][] = Array.from({ length: here + 1 }, () => []);
    const opened: WindowClaims[] = [];
    const inFlight: Promise<unknown>[] = [];
    const start = (w: number): { claims: WindowClaims; workers: Promise<BlockRows<T>[]>[] } => {
      const ids = windowBlocks[w]!;
      const ranges = ids.map((b): [number, number] => [b * blockBytes, Math.min(bytes, (b + 1) * blockBytes)]);
      const buckets = Math.min(MAX_BUCKETS, Math.max(1, Math.ceil(ranges.reduce((n, [s, e]) => n + e - s, 0) / BUCKET_BYTES)));
      const claims = { ranges, seeds: ids.map((b) => mixSeed(blockSeeds, b)), buckets, next: new Int32Array(new SharedArrayBuffer(4)) };
      opened.push(claims);
      const workers = readers.workers.map((read, r) => {
        const part = read(claims, spares[r]!.splice(0));
        part.catch(() => {}); // rethrown when awaited
        inFlight.push(part);
        return part;
      });
      return { claims, workers };
    };
    try {
      let next = windowBlocks.length > 0 ? start(0) : undefined;
      for (let w = 0; next !== undefined; w++) {
        const { claims, workers } = next;
        const mine = readers.here(claims, spares[here]!.splice(0));
        inFlight.push(mine.catch(() => {}));
        const parts = [...(await Promise.all(workers)), await mine];
        next = w + 1 < windowBlocks.length ? start(w + 1) : undefined;
        const blocks = new Array<BlockRows<T>>(claims.ranges.length);
        for (const part of parts) for (const block of part) blocks[block.id] = block;
        // findIndex visits holes (some() would skip them): every block read, none twice.
        if (blocks.findIndex((b) => b === undefined) >= 0 || parts.reduce((n, p) => n + p.length, 0) !== blocks.length) throw new Error(`block shuffle: window ${w} was not read exactly once`);
        yield* handOut(blocks, claims.buckets, randomState(mixSeed(windowSeeds, w)));
        parts.forEach((part, r) => {
          for (const block of part) if (block.slots !== undefined) spares[r]!.push(block.slots);
        });
      }
    } finally {
      // After a break or an error no reader claims another block; the blocks being read
      // finish (and close their files) first.
      for (const claims of opened) Atomics.store(claims.next, 0, claims.ranges.length);
      abort.abort();
      await Promise.allSettled(inFlight);
    }
    return undefined;
  }
}

/**
 * The second pass of the window's permutation: each bucket, its rows from every block in
 * block order, is shuffled as it is copied out (an inside-out Fisher–Yates that reads each
 * block's run of the bucket in sequence and writes within a scratch that fits in cache), and
 * the buckets follow one another in chunks of CHUNK_SIZE rows (so that a downstream batch of
 * a size dividing it takes views, not copies). With the first pass (BlockDealer), given the
 * bucket sizes, each bucket holds a uniform random subset of the window in a uniform random
 * order: the window comes out in a uniform random order, where one Fisher–Yates gather over
 * a window larger than the CPU caches would miss the cache on every row.
 */
export function* handOut<T>(blocks: BlockRows<T>[], buckets: number, random: Int32Array): Generator<Chunk<T>, void> {
  const like = blocks.find((b) => b.slots !== undefined && b.starts[buckets]! > 0)?.slots;
  const packed = like !== undefined && blocks.every((b) => (b.slots !== undefined ? b.slots.sameLayout(like) : b.rows.length === 0));
  if (!packed) {
    yield* handOutRows(blocks, buckets, random);
    return;
  }
  let scratch: NumericArray[] = [];
  let out = like.outputs(CHUNK_SIZE);
  let filled = 0;
  for (let bucket = 0; bucket < buckets; bucket++) {
    let size = 0;
    for (const b of blocks) size += b.starts[bucket + 1]! - b.starts[bucket]!;
    if (size === 0) continue;
    if ((scratch[0]?.length ?? 0) < size) scratch = like.outputs(Math.ceil(size * 1.25));
    for (let k = 0, at = 0; k < blocks.length; k++) {
      const { slots, starts } = blocks[k]!;
      const n = starts[bucket + 1]! - starts[bucket]!;
      if (n > 0) slots!.shuffleInto(scratch, at, starts[bucket]!, n, random);
      at += n;
    }
    for (let from = 0; from < size; ) {
      const n = Math.min(size - from, CHUNK_SIZE - filled);
      out.forEach((column, c) => column.set(scratch[c]!.subarray(from, from + n), filled));
      [from, filled] = [from + n, filled + n];
      if (filled === CHUNK_SIZE) {
        yield new ColumnChunk<T>(CHUNK_SIZE, like.named(out));
        [out, filled] = [like.outputs(CHUNK_SIZE), 0];
      }
    }
  }
  if (filled > 0) yield new ColumnChunk<T>(filled, like.named(out.map((column) => column.subarray(0, filled))));
}

/** handOut for blocks kept as rows (layouts that do not pack): the same two passes over objects. */
function* handOutRows<T>(blocks: BlockRows<T>[], buckets: number, random: Int32Array): Generator<Chunk<T>, void> {
  const rowsOf = blocks.map((b) => b.rows ?? chunkToArray(b.slots!.chunk<T>(b.starts[buckets]!)));
  for (let bucket = 0; bucket < buckets; bucket++) {
    const items: T[] = [];
    blocks.forEach((b, k) => {
      for (let r = b.starts[bucket]!; r < b.starts[bucket + 1]!; r++) {
        const j = nextBelow(random, items.length + 1);
        items.push(items[j]!);
        items[j] = rowsOf[k]![r]!;
      }
    });
    if (items.length > 0) yield items;
  }
}

/** Blocks a reader has claimed and is reading: one decoding while the next ones' files open. */
const READ_AHEAD = 3;

/** Reads byte ranges of a source. */
export interface RangeReader<T> {
  /** The rows that start in [start, end). */
  read(start: number, end: number): Promise<Chunk<T>[]>;
  /** Takes back chunks the caller is done with, to decode into again (optional). */
  recycle?(chunks: Chunk<T>[]): void;
  /** Closes its files once a window part is read; a later read reopens them. */
  close(): Promise<void>;
}

/**
 * A reader of claimed blocks: claims the next block of the window until none is left,
 * reading each with `ranges` and dealing it into buckets (BlockDealer).
 */
export function claimReader<T>(ranges: RangeReader<T>): PartReader<T> {
  const dealer = new BlockDealer<T>();
  return async (window, spares) => {
    dealer.use(spares);
    try {
      return await readClaimed(window, ranges, dealer);
    } finally {
      await ranges.close();
    }
  };
}

/** Claims and reads blocks of `window`, dealt by `dealer`, until none is left. */
export async function readClaimed<T>(window: WindowClaims, ranges: RangeReader<T>, dealer: BlockDealer<T>): Promise<BlockRows<T>[]> {
  const inFlight: { block: number; chunks: Promise<Chunk<T>[]> }[] = [];
  const claim = (): void => {
    while (inFlight.length < READ_AHEAD) {
      const block = Atomics.add(window.next, 0, 1);
      if (block >= window.ranges.length) return;
      const chunks = ranges.read(...window.ranges[block]!);
      chunks.catch(() => {}); // rethrown when awaited
      inFlight.push({ block, chunks });
    }
  };
  const out: BlockRows<T>[] = [];
  try {
    for (claim(); inFlight.length > 0; claim()) {
      const { block, chunks } = inFlight.shift()!;
      const read = await chunks;
      out.push(dealer.deal(block, read, window.seeds[block]!, window.buckets));
      ranges.recycle?.(read); // dealt: the rows are copied into the block's storage
    }
    return out;
  } catch (error) {
    Atomics.store(window.next, 0, window.ranges.length); // no reader goes on with this window
    throw error;
  } finally {
    await Promise.allSettled(inFlight.map((r) => r.chunks)); // after an error: the other reads close their files first
  }
}

/**
 * The first pass of a window's permutation, done by whoever read the block: each row of
 * the block goes to a random bucket of the window (drawn from the block's own seed, so the
 * block deals the same on any thread), and the block's rows are laid out bucket by bucket.
 * The block is small enough (about 45k MovieLens rows, 720 KB) that this stays in cache.
 * Storage of blocks already handed out is reused.
 */
export class BlockDealer<T> {
  private free: ColumnSlots[] = [];
  private keys = new Uint16Array(0);

  use(spares: ColumnSlots[]): void {
    this.free.push(...spares);
  }

  deal(id: number, chunks: Chunk<T>[], seed: number, buckets: number): BlockRows<T> {
    const n = chunks.reduce((m, c) => m + (c instanceof ColumnChunk ? c.size : c.length), 0);
    if (this.keys.length < n) this.keys = new Uint16Array(Math.ceil(n * 1.1));
    const keys = this.keys;
    const starts = drawBuckets(keys, n, seed, buckets);
    const next = starts.slice(0, buckets); // where each bucket's next row goes
    const first = chunks[0];
    if (first instanceof ColumnChunk && chunks.every((c) => c instanceof ColumnChunk && sameColumns(c, first))) {
      const slots = this.take(first, n);
      let at = 0;
      for (const c of chunks as ColumnChunk<T>[]) {
        slots.writeByKey(c, keys, at, next);
        at += c.size;
      }
      return { id, starts, slots };
    }
    const items = chunks.flatMap((c) => chunkToArray(c));
    const rows = new Array<T>(n);
    for (let i = 0; i < n; i++) rows[next[keys[i]!]!++] = items[i]!;
    return { id, starts, rows };
  }

  private take(like: ColumnChunk<T>, rows: number): ColumnSlots {
    const i = this.free.findIndex((g) => g.capacity >= rows && g.matches(like));
    if (i >= 0) return this.free.splice(i, 1)[0]!;
    return new ColumnSlots(like, Math.ceil(rows * 1.1)); // blocks differ a little in rows
  }
}

function sameColumns(a: ColumnChunk<unknown>, b: ColumnChunk<unknown>): boolean {
  const names = Object.keys(a.columns);
  return names.length === Object.keys(b.columns).length && names.every((n) => b.columns[n] !== undefined && dtypeOf(b.columns[n]) === dtypeOf(a.columns[n]!));
}

/**
 * Draws the buckets of n rows into keys[0, n) from `seed`, and returns where each bucket
 * starts when the rows are laid out bucket by bucket: bucket b is rows [starts[b], starts[b + 1]).
 */
function drawBuckets(keys: Uint16Array, n: number, seed: number, buckets: number): Int32Array {
  const starts = new Int32Array(buckets + 1);
  // randomInt(seed) inlined (see randomState): one draw a row.
  let [a, b, c, d] = randomState(seed) as unknown as [number, number, number, number];
  for (let i = 0; i < n; i++) {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + t) | 0;
    const bucket = Math.floor(((t >>> 0) / 4294967296) * buckets);
    keys[i] = bucket;
    starts[bucket + 1]!++;
  }
  for (let k = 0; k < buckets; k++) starts[k + 1]! += starts[k]!;
  return starts;
}

/**
 * The blocks of each window of an epoch, stratified: the file's blocks are cut into
 * `openBlocks` runs of neighbours, and each window takes one block, chosen at random, from
 * every run. Every window then spans the whole file, so where a row lands in the epoch does
 * not depend on where it sat in the file (with windows of blocks drawn at random instead,
 * the windows' mean positions differ by chance, and the rank correlation between input and
 * output positions is about 1/sqrt(blocks)). Which blocks share a window changes with the
 * seed.
 */
export function stratifiedWindows(blocks: number, openBlocks: number, rand: RandomInt): number[][] {
  const windows = Math.ceil(blocks / openBlocks);
  const out: number[][] = Array.from({ length: windows }, () => []);
  for (let first = 0; first < blocks; first += windows) {
    const run = Math.min(windows, blocks - first);
    // A run shorter than the window count (the last) goes to randomly chosen windows.
    const to = permutation(windows, rand);
    for (let k = 0; k < run; k++) out[to[k]!]!.push(first + k);
  }
  return out;
}
