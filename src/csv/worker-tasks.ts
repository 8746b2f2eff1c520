// The tasks a csv worker runs for csvParallel and shuffledCsv. A stream task reads byte
// ranges of a CSV file for a whole epoch and posts each one's chunks as it goes; a window
// task reads blocks of a block shuffle's window, claimed one by one, and lays each out in a
// random order. Typed arrays are moved, not copied. The worker entry point
// (src/workers/csv-worker.ts) only dispatches to these; this thread imports the types and
// fromBlockWire from here, never the entry point.

import type { MessagePort } from 'node:worker_threads';
import type { Chunk } from '../chunk.js';
import { readClaimed } from '../shuffle/claims.js';
import { BlockDealer } from '../shuffle/dealer.js';
import type { BlockRows, WindowClaims } from '../shuffle/windows.js';
import { ColumnSlots, type SlotsWire } from '../shuffle/columns.js';
import { errorToWire, moved, toWire, type WireChunk, type WireError } from '../workers/wire.js';
import type { CsvOptions } from './reader.js';
import { loadReader } from './lazy-reader.js';
import { ColumnArena, CsvRanges } from './ranges.js';
import { absoluteError } from './range-file.js';
import { type FileHandle, open } from 'node:fs/promises';
import type { PartWire, PartsReader } from './parts-reader.js';
import type { ObjectStore, ObjectStoreOptions } from '../io/object-store.js';
import type { RangeReader } from '../shuffle/claims.js';

export interface StreamTask {
  path: string;
  /** With `columns` settled; `header` as the caller gave it (for the range at byte 0). */
  options: CsvOptions;
  /** The header's names, for the ranges after the first (undefined: no header line). */
  names: string[] | undefined;
  ranges: [number, number][];
  /** The next range to claim, shared by every reader of the epoch. */
  claims: Int32Array;
  /** Ranges the consumer has been handed: a reader starts range r once r < delivered + ahead. */
  delivered: Int32Array;
  ahead: number;
  /** Where each range's chunks go, as { range, arena, chunks } (or { range, error }). */
  port: MessagePort;
  /** Shared memory to decode ranges into (ColumnArena), and which of it is in use (1) or free (0). */
  arenas: SharedArrayBuffer[];
  arenaUse: Int32Array;
}

export interface WindowTask {
  path: string;
  /** With `columns` and `header` settled, and no byteRange. */
  options: CsvOptions;
  /** The window's blocks (file offsets) and the shared counter to claim them from. */
  window: WindowClaims;
  /** Storage of blocks already handed out, moved here to read into again. */
  spares: SlotsWire[];
  /** Many files (or objects) laid end to end: the window's ranges are in their byte space (see PartsReader). */
  files?: { parts: PartWire[]; store: ObjectStoreOptions; blockBytes: number };
}

export type BlockWire = { id: number; count: number } & ({ slots: SlotsWire } | { rows: unknown[] });
/**
 * A window task's answer: its blocks, the storage it was given and did not use (`spares`,
 * moved back), the bad rows they skipped, and for remote files the requests, retries and
 * bytes it cost (added to this thread's store counters); or the error that stopped it, its
 * class and fields kept (a thrown DataError would arrive a plain Error).
 */
export type WindowResult = { blocks: BlockWire[]; spares: SlotsWire[]; skipped: number; counters?: ObjectStore['counters'] } | { error: WireError };

/** Atomics.waitAsync (Node 16+; typed in TypeScript's es2024 lib, newer than this project's). */
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { value: Promise<string> | string } }).waitAsync;

/**
 * csvParallel's reader for one epoch: claims ranges until none is left, reading the next
 * while it decodes one, and posts each range's chunks (typed arrays moved) on `task.port`.
 * It waits for room only while it holds no decoded range (else the range the consumer
 * needs next could be the one it holds).
 */
export async function streamRanges(task: StreamTask): Promise<void> {
  const { ranges, claims, delivered, ahead, port, arenas, arenaUse } = task;
  const later = task.names === undefined ? undefined : new CsvRanges(task.path, { ...task.options, header: task.names });
  /** A free arena, taken; -1 if none is (the range then decodes into memory of its own). */
  const arena = (): number => {
    for (let k = 0; k < arenas.length; k++) if (Atomics.compareExchange(arenaUse, k, 0, 1) === 0) return k;
    return -1;
  };
  /** A range's chunks and the bad rows it skipped; a bad row's line counted from the file's start. */
  const read = async (range: number, into: number): Promise<{ chunks: Chunk<unknown>[]; skipped: number }> => {
    const [start, end] = ranges[range]!;
    if (start > 0 && later !== undefined) return later.readCounted(start, end, into < 0 ? undefined : new ColumnArena(arenas[into]!));
    const chunks: Chunk<unknown>[] = [];
    const { csv } = await loadReader();
    const ds = csv(task.path, { ...task.options, ...(start > 0 ? { header: task.names ?? false } : {}), byteRange: [start, end] });
    try {
      for await (const chunk of ds.chunks()) chunks.push(chunk);
    } catch (error) {
      let file: FileHandle | undefined;
      try {
        throw await absoluteError(error, start, async () => (file = await open(task.path, 'r')));
      } finally {
        await file?.close();
      }
    }
    return { chunks, skipped: ds.stats.skipped };
  };
  const room = (range: number): boolean => range < Atomics.load(delivered, 0) + ahead;
  const pending: { range: number; arena: number; chunks: Promise<{ chunks: Chunk<unknown>[]; skipped: number }> }[] = [];
  const take = (range: number): void => {
    const into = ranges[range]![0] > 0 && later !== undefined ? arena() : -1;
    const chunks = read(range, into);
    chunks.catch(() => {}); // reported when awaited
    pending.push({ range, arena: into, chunks });
  };
  try {
    for (;;) {
      if (pending.length === 0) {
        const range = Atomics.add(claims, 0, 1);
        if (range >= ranges.length) break;
        while (!room(range)) await waitAsync(delivered, 0, Atomics.load(delivered, 0)).value;
        take(range);
      }
      // Read one more ahead, if there is room for it now.
      const peek = Atomics.load(claims, 0);
      if (pending.length < 2 && peek < ranges.length && room(peek) && Atomics.compareExchange(claims, 0, peek, peek + 1) === peek) take(peek);
      const { range, arena: into, chunks } = pending.shift()!;
      let wire: WireChunk[];
      let skipped: number;
      const transfer: ArrayBuffer[] = [];
      try {
        const got = await chunks;
        wire = got.chunks.map((c) => toWire(c, transfer)); // arena columns are shared, not moved
        skipped = got.skipped;
      } catch (error) {
        if (into >= 0) Atomics.store(arenaUse, into, 0);
        port.postMessage({ range, error: errorToWire(error) });
        Atomics.store(claims, 0, ranges.length); // the epoch ends with this error: no reader goes on
        break;
      }
      port.postMessage({ range, arena: into, chunks: wire, skipped }, transfer);
    }
  } finally {
    await Promise.allSettled(pending.map((p) => p.chunks));
    for (const p of pending) if (p.arena >= 0) Atomics.store(arenaUse, p.arena, 0);
    await later?.close();
    port.close();
  }
}

/** One dealer per thread: tasks run one at a time here. */
const dealer = new BlockDealer<unknown>();
/** The reader of the file (or files) last shuffled here, kept for its buffers. */
let lastRanges: { key: string; ranges: RangeReader<unknown>; parts?: PartsReader } | undefined;

/**
 * The many-files reader module, loaded on first use: only a shuffle over many files (or
 * objects) needs it, and it brings the object store, http(s), zlib and crypto (about a
 * quarter of a worker's start). Loaded as loadReader loads csv().
 */
function loadPartsReader(): Promise<typeof import('./parts-reader.js')> {
  return typeof require === 'function' ? Promise.resolve(require('./parts-reader.js') as typeof import('./parts-reader.js')) : import('./parts-reader.js');
}

/** The window's reader, kept while the file (or files) and options stay the same. */
async function rangesFor(task: WindowTask): Promise<NonNullable<typeof lastRanges>> {
  const { path, options, files } = task;
  const key = JSON.stringify([path, options, files]);
  if (lastRanges?.key !== key) {
    if (files === undefined) lastRanges = { key, ranges: new CsvRanges(path, options) };
    else {
      const parts = new (await loadPartsReader()).PartsReader(files.parts, options, files.store, files.blockBytes);
      lastRanges = { key, ranges: parts, parts };
    }
  }
  return lastRanges;
}

export async function decodeWindow(task: WindowTask): Promise<unknown> {
  dealer.use(task.spares.map((w) => new ColumnSlots(w, 0)));
  const { ranges, parts } = await rangesFor(task);
  const counters = parts?.counters;
  const before = { ...counters };
  const skipped = ranges.skipped ?? 0;
  let blocks: BlockRows<unknown>[];
  let left: ColumnSlots[];
  try {
    blocks = await readClaimed(task.window, ranges, dealer);
  } catch (error) {
    return { error: errorToWire(error) } satisfies WindowResult;
  } finally {
    await ranges.close(); // the file; its buffers stay for the next window
    left = dealer.unused(); // this thread keeps no storage between tasks
  }
  const transfer: ArrayBuffer[] = [];
  const wire = blocks.map((b): BlockWire => (b.slots !== undefined ? { id: b.id, count: b.count, slots: b.slots.toWire(transfer) } : { id: b.id, count: b.count, rows: b.rows }));
  const result: WindowResult = { blocks: wire, spares: left.map((s) => s.toWire(transfer)), skipped: (ranges.skipped ?? 0) - skipped };
  if (counters !== undefined) result.counters = { requests: counters.requests - before.requests!, retries: counters.retries - before.retries!, bytes: counters.bytes - before.bytes! };
  return moved(result, transfer);
}

function fromBlockWire<T>(wire: BlockWire): BlockRows<T> {
  return 'slots' in wire ? { id: wire.id, count: wire.count, slots: new ColumnSlots(wire.slots, 0) } : { id: wire.id, count: wire.count, rows: wire.rows as T[] };
}

/**
 * The blocks a worker read for a window (this thread's side of decodeWindow); the storage the
 * worker was given and did not use goes back into `spares` (see PartReader).
 */
export function windowBlocks<T>(result: Exclude<WindowResult, { error: WireError }>, spares: ColumnSlots[]): BlockRows<T>[] {
  spares.push(...result.spares.map((w) => new ColumnSlots(w, 0)));
  return result.blocks.map((b) => fromBlockWire<T>(b));
}
