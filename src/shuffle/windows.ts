// The epoch loop of a block shuffle: which blocks make up each window, who reads them, and
// the check that every block of a window was read exactly once.
import { type Chunk, CHUNK_SIZE, chunkLength, epochCounter, sliceChunk } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { mixSeed, type RandomInt, randomInt, randomState, permutation } from '../random.js';
import type { ColumnSlots } from './columns.js';
import { type EarlyBlocks, EarlyWindow, type EpochKey, type StartedWindow, storageOf } from './early-window.js';
import { handOut, type LabelScratch } from './hand-out.js';
import { BufferPool } from '../buffer-pool.js';

/**
 * A window being read: its blocks' byte ranges and seeds, and a counter (on shared memory)
 * from which every reader, this thread and the workers, claims the next block to read.
 */
export interface WindowClaims {
  ranges: [number, number][];
  seeds: number[];
  next: Int32Array;
}

/**
 * A block of a window, read and laid out in a random order (BlockDealer): its `count` rows
 * are rows [0, count) of `slots` (packed) or `rows` (layouts that do not pack).
 */
export type BlockRows<T> = { id: number; count: number } & ({ slots: ColumnSlots; rows?: undefined } | { rows: T[]; slots?: undefined });

/**
 * Reads blocks of a window until none is left to claim, into `spares` (storage of blocks
 * already handed out) first. It takes the storage out of `spares` and, once it settles
 * without error, has put back what it did not use.
 */
export type PartReader<T> = (window: WindowClaims, spares: ColumnSlots[]) => Promise<BlockRows<T>[]>;

/** BlockShuffleOptions checked, with their defaults filled in. */
export interface Settings {
  blockBytes: number;
  openBlocks: number;
  seed: number;
  reshuffleEachEpoch: boolean;
  /** Which blocks form which window, in which order (sharding, resume); default: all blocks, stratifiedWindows. */
  plan?: WindowPlan;
}

/** A window to hand out: its blocks, its permutation's seed, rows of it to skip (a resume), and who to tell its size. */
export interface PlannedWindow {
  blocks: number[];
  seed: number;
  skip?: number;
  /** Hears how many rows the window hands out (after the skip), before its first chunk. */
  onRows?: (rows: number) => void;
}

/** The windows of an epoch, given the epoch, the epoch that seeds the order, and the block count. */
export type WindowPlan = (epoch: number, orderEpoch: number, blocks: number) => PlannedWindow[];

/**
 * The epoch loop of a block shuffle, whoever reads the blocks: blocks in a seeded,
 * stratified order, `openBlocks` to a window. Worker readers start on the next window while
 * this thread hands out the current one; then this thread claims blocks too until none is
 * left (so it reads all of them without workers, few when its consumer keeps it busy, and
 * nothing waits on a thread that is still starting). Every draw is seeded by (seed, epoch,
 * block or window), so the output is the same whoever read which block. `workers` may grow
 * during the epoch (workers: 'auto'): each window starts the readers listed then.
 * `sourceVersion` (what the source is now, e.g. a file's identity): given, the workers read
 * the next epoch's first window while this thread hands out an epoch's last (EarlyWindow),
 * when the plan is the stratified one and no other epoch is open.
 */
export function windowShuffle<T>(
  bytesNow: () => number | Promise<number>,
  openReaders: (epoch: number, signal: AbortSignal) => { here: PartReader<T>; workers: PartReader<T>[] },
  settings: Settings,
  sourceVersion?: () => string,
): Dataset<T> {
  const epochs = epochCounter();
  const loop = new WindowLoop<T>(bytesNow, openReaders, settings, sourceVersion);
  return new Dataset<T>({
    size: undefined,
    recycle: (chunk) => loop.outputs.giveChunk(chunk),
    open: (asked, options) => {
      const epoch = epochs(asked);
      return loop.run(epoch, options?.signal);
    },
  });
}

/** windowShuffle's epochs, and what they share: block storage, labels, blocks read early. */
class WindowLoop<T> {
  // Storage of blocks handed out, for any thread and any later epoch to read into again:
  // fresh memory costs a page fault a page, and this thread reads the first window, workers
  // most of the others. At most two windows' worth is kept (MAX_POOLED), blocks read early included.
  private readonly pool: ColumnSlots[] = [];
  private readonly spareLabels: LabelScratch[] = []; // one an epoch open at the same time
  private readonly early = new EarlyWindow<T>();
  private running = 0; // epochs open now
  /** Memory of the chunks handed out, given back by their consumer (ChunkSource.recycle). */
  readonly outputs = new BufferPool();

  constructor(
    private readonly bytesNow: () => number | Promise<number>,
    private readonly openReaders: (epoch: number, signal: AbortSignal) => { here: PartReader<T>; workers: PartReader<T>[] },
    private readonly settings: Settings,
    private readonly sourceVersion: (() => string) | undefined,
  ) {}

  async *run(epoch: number, signal: AbortSignal | undefined): AsyncGenerator<Chunk<T>, undefined> {
    this.running++;
    try {
      yield* this.epochChunks(epoch, signal);
    } finally {
      this.running--;
    }
    return undefined;
  }

  /** The key of `epoch`'s blocks read early, over a source of `bytes`; undefined without sourceVersion. */
  private keyOf(epoch: number, bytes: number): EpochKey | undefined {
    return this.sourceVersion === undefined ? undefined : { epoch, bytes, version: this.sourceVersion() };
  }

  /**
   * One epoch: its windows read (the first may have been read early, during the epoch
   * before) and handed out in turn; during the last hand-out the workers read the next
   * epoch's first window.
   */
  private async *epochChunks(epoch: number, signal: AbortSignal | undefined): AsyncGenerator<Chunk<T>, undefined> {
    const { settings, pool, spareLabels, early } = this;
    const { blockBytes, openBlocks } = settings;
    const bytes = await this.bytesNow(); // per epoch: the file may have changed size
    const { windows: windowBlocks, blockSeeds } = epochPlan(settings, epoch, bytes);
    const key = this.keyOf(epoch, bytes);
    const readEarly = key === undefined ? undefined : early.take(key, pool);
    const abort = new AbortController();
    // The consumer's abort stops the readers at once (a break stops them in the finally below).
    const onAbort = (): void => abort.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const readers = this.openReaders(epoch, abort.signal);
    const labels = spareLabels.pop() ?? {}; // one window's labels at a time, kept across windows and epochs
    const opened: WindowClaims[] = [];
    let yielded = 0; // rows handed out so far this epoch
    const inFlight: Promise<unknown>[] = [];
    const start = (planned: PlannedWindow, seeds: number, read?: EarlyBlocks<T>): StartedWindow<T> => {
      const claims = read?.claims ?? { ranges: rangesOf(planned, bytes, blockBytes), seeds: planned.blocks.map((b) => mixSeed(seeds, b)), next: new Int32Array(new SharedArrayBuffer(4)) };
      const { ranges } = claims;
      if (read !== undefined) Atomics.store(claims.next, 0, read.claimed); // the rest is this epoch's to read
      opened.push(claims);
      // Workers read most of a window while this thread hands out the one before: they share the pool.
      const lent: ColumnSlots[][] = [];
      const workers = (read?.claimed === ranges.length ? [] : readers.workers).map((reader, r, all) => {
        const share = pool.splice(0, Math.min(ranges.length, Math.ceil(pool.length / (all.length - r))));
        lent.push(share);
        const part = reader(claims, share);
        part.catch(() => {}); // rethrown when awaited
        inFlight.push(part);
        return part;
      });
      return { claims, workers, lent, early: read?.parts ?? [] };
    };
    // The next epoch's first window, read by the workers during this epoch's last hand-out.
    const startNext = (): { key: EpochKey; window: StartedWindow<T> } | undefined => {
      const next = this.keyOf(epoch + 1, bytes);
      if (next === undefined || settings.plan !== undefined || readers.workers.length === 0 || this.running > 1) return undefined;
      const plan = epochPlan(settings, next.epoch, bytes);
      return plan.windows.length === 0 ? undefined : { key: next, window: start(plan.windows[0]!, plan.blockSeeds) };
    };
    try {
      let next = windowBlocks.length > 0 ? start(windowBlocks[0]!, blockSeeds, readEarly) : undefined;
      let ahead: ReturnType<typeof startNext>;
      for (let w = 0; next !== undefined; w++) {
        const { claims, workers, lent } = next;
        // This thread may claim at most the blocks not claimed yet.
        const share = pool.splice(0, claims.ranges.length - Math.min(claims.ranges.length, Atomics.load(claims.next, 0)));
        lent.push(share);
        const mine = readers.here(claims, share);
        inFlight.push(mine.catch(() => {}));
        const parts = [...next.early, ...(await Promise.all(workers)), await mine];
        for (const share of lent) pool.push(...share.splice(0));
        next = w + 1 < windowBlocks.length ? start(windowBlocks[w + 1]!, blockSeeds) : undefined;
        ahead = next === undefined ? startNext() : undefined;
        const blocks = assemble(parts, claims.ranges.length, w);
        const { rows, chunks } = windowChunks(blocks, windowBlocks[w]!, labels, yielded, this.outputs);
        yielded += rows;
        yield* chunks;
        pool.push(...storageOf(parts));
        pool.length = Math.min(pool.length, MAX_POOLED * openBlocks); // the rest to the garbage collector
      }
      // Blocks read early keep their storage out of the pool until the next epoch takes them.
      if (ahead !== undefined) {
        const kept = await early.keep(ahead.key, ahead.window, pool);
        pool.length = Math.min(pool.length, MAX_POOLED * openBlocks - kept);
      }
    } finally {
      // After a break or an error no reader claims another block; the blocks being read
      // finish (and close their files) first.
      for (const claims of opened) Atomics.store(claims.next, 0, claims.ranges.length);
      signal?.removeEventListener('abort', onAbort);
      spareLabels.push(labels);
      abort.abort();
      await Promise.allSettled(inFlight);
    }
    return undefined;
  }
}

/** The epoch's windows (the plan's, or stratified ones) and the seed its blocks' seeds come from. */
function epochPlan(settings: Settings, epoch: number, bytes: number): { windows: PlannedWindow[]; blockSeeds: number } {
  const orderEpoch = settings.reshuffleEachEpoch ? epoch : 0; // the epoch that seeds the order
  const epochSeed = mixSeed(settings.seed, orderEpoch);
  const blockCount = Math.ceil(bytes / settings.blockBytes);
  const windowSeeds = mixSeed(epochSeed, 2);
  const windows = settings.plan?.(epoch, orderEpoch, blockCount) ?? stratifiedWindows(blockCount, settings.openBlocks, randomInt(epochSeed)).map((blocks, w) => ({ blocks, seed: mixSeed(windowSeeds, w) }));
  return { windows, blockSeeds: mixSeed(epochSeed, 1) };
}

/** The byte ranges of a planned window's blocks. */
function rangesOf(planned: PlannedWindow, bytes: number, blockBytes: number): [number, number][] {
  return planned.blocks.map((b): [number, number] => [b * blockBytes, Math.min(bytes, (b + 1) * blockBytes)]);
}

/** Windows' worth of block storage a block shuffle keeps for later windows and epochs (one is read while one is handed out). */
const MAX_POOLED = 2;

/** The window's blocks by id from the readers' parts; an error unless every block was read exactly once. */
function assemble<T>(parts: BlockRows<T>[][], count: number, w: number): BlockRows<T>[] {
  const blocks = new Array<BlockRows<T>>(count);
  for (const part of parts) for (const block of part) blocks[block.id] = block;
  // findIndex visits holes (some() would skip them): every block read, none twice.
  if (blocks.findIndex((b) => b === undefined) >= 0 || parts.reduce((n, p) => n + p.length, 0) !== blocks.length) throw new Error(`block shuffle: window ${w} was not read exactly once`);
  return blocks;
}

/**
 * A window's chunks, less the rows the plan skips (a resume), and how many there are (told
 * to the plan's onRows first). The first chunk ends where the epoch's rows (`yielded` before
 * it) reach a multiple of CHUNK_SIZE, so that every batch of a size dividing it is a view
 * but the one across the window's end.
 */
function windowChunks<T>(blocks: BlockRows<T>[], planned: PlannedWindow, labels: LabelScratch, yielded: number, outputs: BufferPool): { rows: number; chunks: Generator<Chunk<T>, void> } {
  const { seed, skip = 0, onRows } = planned;
  const rows = Math.max(0, blocks.reduce((n, b) => n + b.count, 0) - skip);
  onRows?.(rows);
  const first = CHUNK_SIZE - ((((yielded - skip) % CHUNK_SIZE) + CHUNK_SIZE) % CHUNK_SIZE);
  return { rows, chunks: skipRows(handOut(blocks, randomState(seed), labels, first, outputs), skip) };
}

/** `chunks` less their first `skip` rows (a window resumed part-way). */
function* skipRows<T>(chunks: Generator<Chunk<T>, void>, skip: number): Generator<Chunk<T>, void> {
  for (const chunk of chunks) {
    const n = chunkLength(chunk);
    if (skip >= n) skip -= n;
    else {
      yield skip > 0 ? sliceChunk(chunk, skip, n) : chunk;
      skip = 0;
    }
  }
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
