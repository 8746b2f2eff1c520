// The epoch loop of a block shuffle: which blocks make up each window, who reads them, and
// the check that every block of a window was read exactly once.
import { type Chunk, epochCounter } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { mixSeed, type RandomInt, randomInt, permutation } from '../random.js';
import type { ColumnSlots } from './columns.js';
import { EarlyWindow, type EpochKey } from './early-window.js';
import { type EpochLoop, EpochRun } from './epoch-run.js';
import type { LabelScratch } from './hand-out.js';
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
 * left (so it reads all of them without workers, and few when its consumer keeps it busy; a
 * window still waits for the part of a worker that is starting, empty by then). Every draw
 * is seeded by (seed, epoch, block or window), so the output is the same whoever read which
 * block. `workers` may grow during the epoch (workers: 'auto'): each window starts the
 * readers listed then.
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
class WindowLoop<T> implements EpochLoop<T> {
  // Storage of blocks handed out, for any thread and any later epoch to read into again:
  // fresh memory costs a page fault a page, and this thread reads the first window, workers
  // most of the others. At most two windows' worth is kept (MAX_POOLED), blocks read early included.
  readonly pool: ColumnSlots[] = [];
  readonly spareLabels: LabelScratch[] = []; // one an epoch open at the same time
  readonly early = new EarlyWindow<T>();
  running = 0; // epochs open now
  /** Memory of the chunks handed out, given back by their consumer (ChunkSource.recycle). */
  readonly outputs = new BufferPool();

  constructor(
    readonly bytesNow: () => number | Promise<number>,
    readonly openReaders: (epoch: number, signal: AbortSignal) => { here: PartReader<T>; workers: PartReader<T>[] },
    readonly settings: Settings,
    private readonly sourceVersion: (() => string) | undefined,
  ) {}

  keyOf(epoch: number, bytes: number): EpochKey | undefined {
    return this.sourceVersion === undefined ? undefined : { epoch, bytes, version: this.sourceVersion() };
  }

  plan(epoch: number, bytes: number): { windows: PlannedWindow[]; blockSeeds: number } {
    return epochPlan(this.settings, epoch, bytes);
  }

  /** One epoch's chunks: its windows read and handed out in turn (EpochRun, which starts at the first next()). */
  run(epoch: number, signal: AbortSignal | undefined): AsyncGenerator<Chunk<T>, undefined> {
    return windowsChunks(new EpochRun<T>(this, epoch, signal));
  }
}

/**
 * The chunks of `run`'s windows, one window after another: the per-chunk path, kept to
 * these few lines, since it is what the optimising compiler compiles (EpochRun's per-window
 * work stays in the interpreter).
 */
async function* windowsChunks<T>(run: EpochRun<T>): AsyncGenerator<Chunk<T>, undefined> {
  try {
    for (let chunks = await run.nextWindow(); chunks !== undefined; chunks = await run.nextWindow()) yield* chunks;
  } finally {
    await run.close();
  }
  return undefined;
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
