// One epoch of a block shuffle, window by window: who reads which window, when its storage
// goes back to the pool, and the check that every block of a window was read exactly once.
// The window loop (windows.ts) only hands out the chunks each window gives: everything here
// runs once a window (a few times an epoch), so V8 leaves it to the interpreter. When this
// lived in the loop's chunk generator, the optimising compiler compiled all of it, with the
// epoch's closures inlined, ~40–60 ms of a helper thread's time every epoch (a new closure
// an epoch deoptimised it), on a machine whose two cores the pipeline already keeps busy.
import { type Chunk, CHUNK_SIZE, chunkLength, sliceChunk } from '../chunk.js';
import { mixSeed, randomState } from '../random.js';
import type { BufferPool } from '../buffer-pool.js';
import type { ColumnSlots } from './columns.js';
import { type EarlyBlocks, type EarlyWindow, type EpochKey, type StartedWindow, storageOf } from './early-window.js';
import { handOut, type LabelScratch } from './hand-out.js';
import type { BlockRows, PartReader, PlannedWindow, Settings, WindowClaims } from './windows.js';

/** Windows' worth of block storage a block shuffle keeps for later windows and epochs (one is read while one is handed out). */
export const MAX_POOLED = 2;

/** What an epoch shares with the epochs before and after it: the window loop (windows.ts). */
export interface EpochLoop<T> {
  settings: Settings;
  /** Storage of blocks handed out, for any thread and any later window to read into. */
  pool: ColumnSlots[];
  spareLabels: LabelScratch[];
  early: EarlyWindow<T>;
  outputs: BufferPool;
  /** Epochs open now. */
  running: number;
  bytesNow(): number | Promise<number>;
  openReaders(epoch: number, signal: AbortSignal): { here: PartReader<T>; workers: PartReader<T>[] };
  /** The key of `epoch`'s blocks read early, over a source of `bytes`; undefined when the source has no version. */
  keyOf(epoch: number, bytes: number): EpochKey | undefined;
  /** The epoch's windows and the seed its blocks' seeds come from. */
  plan(epoch: number, bytes: number): { windows: PlannedWindow[]; blockSeeds: number };
}

/** An open epoch: the source's size, its windows, and its readers. */
interface Opened<T> {
  bytes: number;
  windows: PlannedWindow[];
  blockSeeds: number;
  readers: { here: PartReader<T>; workers: PartReader<T>[] };
}

/**
 * One epoch's windows, read and handed out in turn. `nextWindow` opens the epoch on its first
 * call, then each call takes back the storage of the window before (all handed out by then),
 * waits for the next window's blocks and returns its chunks (the workers start on the window
 * after meanwhile); after the last it keeps the next epoch's first window if the workers read
 * it, and returns undefined. `close` stops every reader; it is always called, also after a
 * break or an error.
 */
export class EpochRun<T> {
  private opened: Opened<T> | undefined;
  private labels: LabelScratch | undefined; // the loop's, from open() (the first nextWindow) to close()
  // The consumer's abort stops the readers at once (a break stops them in close).
  private readonly abort = new AbortController();
  private readonly onAbort = (): void => this.abort.abort(this.signal?.reason);
  private readonly claimed: WindowClaims[] = [];
  private readonly inFlight: Promise<unknown>[] = [];
  private next: StartedWindow<T> | undefined;
  private ahead: { key: EpochKey; window: StartedWindow<T> } | undefined;
  private w = 0;
  private yielded = 0; // rows handed out so far this epoch
  private parts: BlockRows<T>[][] = []; // the window being handed out

  constructor(
    private readonly loop: EpochLoop<T>,
    private readonly epoch: number,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** The next window's chunks once its blocks are read; undefined after the last. */
  async nextWindow(): Promise<Generator<Chunk<T>, void> | undefined> {
    const opened = this.opened ?? (await this.open());
    this.handedOut();
    const current = this.next;
    if (current === undefined) return this.finish();
    const { pool } = this.loop;
    const { claims, workers, lent } = current;
    // This thread may claim at most the blocks not claimed yet.
    const share = pool.splice(0, claims.ranges.length - Math.min(claims.ranges.length, Atomics.load(claims.next, 0)));
    lent.push(share);
    const mine = opened.readers.here(claims, share);
    this.inFlight.push(mine.catch(() => {}));
    const parts = [...current.early, ...(await Promise.all(workers)), await mine];
    for (const s of lent) pool.push(...s.splice(0));
    const w = this.w++;
    const { windows, blockSeeds } = opened;
    this.next = w + 1 < windows.length ? this.start(windows[w + 1]!, blockSeeds) : undefined;
    if (this.next === undefined) this.ahead = this.startNext();
    this.parts = parts;
    const { rows, chunks } = windowChunks(assemble(parts, claims.ranges.length, w), windows[w]!, this.labels!, this.yielded, this.loop.outputs);
    this.yielded += rows;
    return chunks;
  }

  /** No reader claims another block; the blocks being read finish (and close their files) first. */
  async close(): Promise<void> {
    const labels = this.labels;
    if (labels === undefined) return; // never opened, or closed already
    this.labels = undefined;
    for (const claims of this.claimed) Atomics.store(claims.next, 0, claims.ranges.length);
    this.signal?.removeEventListener('abort', this.onAbort);
    this.loop.spareLabels.push(labels);
    this.abort.abort();
    await Promise.allSettled(this.inFlight);
    this.loop.running--;
  }

  /** Opens the epoch: its plan over the source as it is now, its readers, and the first window (perhaps read early, during the epoch before). */
  private async open(): Promise<Opened<T>> {
    const { loop, epoch, signal } = this;
    loop.running++;
    this.labels = loop.spareLabels.pop() ?? {}; // one window's labels at a time, kept across windows and epochs
    const bytes = await loop.bytesNow(); // per epoch: the file may have changed size
    const { windows, blockSeeds } = loop.plan(epoch, bytes);
    const key = loop.keyOf(epoch, bytes);
    const readEarly = key === undefined ? undefined : loop.early.take(key, loop.pool);
    signal?.addEventListener('abort', this.onAbort, { once: true });
    const opened = (this.opened = { bytes, windows, blockSeeds, readers: loop.openReaders(epoch, this.abort.signal) });
    this.next = windows.length > 0 ? this.start(windows[0]!, blockSeeds, readEarly) : undefined;
    return opened;
  }

  /** The window handed out last (if any) is all handed out: its storage goes back to the pool. */
  private handedOut(): void {
    const { pool, settings } = this.loop;
    if (this.parts.length === 0) return;
    pool.push(...storageOf(this.parts));
    this.parts = [];
    pool.length = Math.min(pool.length, MAX_POOLED * settings.openBlocks); // the rest to the garbage collector
  }

  /** After the last window: blocks the workers read for the next epoch are kept for it (their storage out of the pool until then). */
  private async finish(): Promise<undefined> {
    const ahead = this.ahead;
    this.ahead = undefined;
    if (ahead === undefined) return undefined;
    const { early, pool, settings } = this.loop;
    const kept = await early.keep(ahead.key, ahead.window, pool);
    pool.length = Math.min(pool.length, MAX_POOLED * settings.openBlocks - kept);
    return undefined;
  }

  /** Starts reading `planned` (the workers; this thread joins in nextWindow), or takes the blocks read early for it. */
  private start(planned: PlannedWindow, seeds: number, read?: EarlyBlocks<T>): StartedWindow<T> {
    const { pool, settings } = this.loop;
    const claims = read?.claims ?? { ranges: rangesOf(planned, this.opened!.bytes, settings.blockBytes), seeds: planned.blocks.map((b) => mixSeed(seeds, b)), next: new Int32Array(new SharedArrayBuffer(4)) };
    const { ranges } = claims;
    if (read !== undefined) Atomics.store(claims.next, 0, read.claimed); // the rest is this epoch's to read
    this.claimed.push(claims);
    // Workers read most of a window while this thread hands out the one before: they share the pool.
    const lent: ColumnSlots[][] = [];
    const readers = read?.claimed === ranges.length ? [] : this.opened!.readers.workers;
    const workers = readers.map((reader, r, all) => {
      const share = pool.splice(0, Math.min(ranges.length, Math.ceil(pool.length / (all.length - r))));
      lent.push(share);
      const part = reader(claims, share);
      part.catch(() => {}); // rethrown when awaited
      this.inFlight.push(part);
      return part;
    });
    return { claims, workers, lent, early: read?.parts ?? [] };
  }

  /** The next epoch's first window, for the workers to read during this epoch's last hand-out (the stratified plan, no other epoch open). */
  private startNext(): { key: EpochKey; window: StartedWindow<T> } | undefined {
    const { loop, opened } = this;
    if (opened === undefined || opened.readers.workers.length === 0 || loop.settings.plan !== undefined || loop.running > 1) return undefined;
    const key = loop.keyOf(this.epoch + 1, opened.bytes);
    if (key === undefined) return undefined;
    const plan = loop.plan(key.epoch, opened.bytes);
    return plan.windows.length === 0 ? undefined : { key, window: this.start(plan.windows[0]!, plan.blockSeeds) };
  }
}

/** The byte ranges of a planned window's blocks. */
function rangesOf(planned: PlannedWindow, bytes: number, blockBytes: number): [number, number][] {
  return planned.blocks.map((b): [number, number] => [b * blockBytes, Math.min(bytes, (b + 1) * blockBytes)]);
}

/**
 * The window's blocks by id from the readers' parts; an error unless every block was read
 * exactly once. A packed array (built by push): the hand-out's optimised code sees one kind
 * of array every window, where a holey one from `new Array(n)` and packed ones made from it
 * by map() deoptimised it.
 */
function assemble<T>(parts: BlockRows<T>[][], count: number, w: number): BlockRows<T>[] {
  const byId = new Array<BlockRows<T> | undefined>(count).fill(undefined);
  let read = 0;
  for (const part of parts) {
    for (const block of part) {
      if (block.id < count) byId[block.id] = block;
      read++;
    }
  }
  const blocks: BlockRows<T>[] = [];
  for (const block of byId) if (block !== undefined) blocks.push(block);
  if (blocks.length !== count || read !== count) throw new Error(`block shuffle: window ${w} was not read exactly once`);
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
  const chunks = handOut(blocks, randomState(seed), labels, first, outputs);
  return { rows, chunks: skip > 0 ? skipRows(chunks, skip) : chunks };
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
