// Worker entry of csvParallel and shuffledCsv (run by piscina). A range task decodes the
// rows that start in one byte range of a CSV file and sends them back as chunks; a window
// task reads blocks of a block shuffle's window, claimed one by one, and deals each into
// the window's buckets. Typed arrays are
// moved, not copied.

import { Piscina } from 'piscina';
import { BlockDealer, type BlockRows, readClaimed, type WindowClaims } from '../sources/block-shuffle.js';
import { csv, type CsvOptions } from '../sources/csv.js';
import { CsvRanges } from '../sources/csv-ranges.js';
import { ColumnSlots, type SlotsWire } from '../stages/shuffle-columns.js';
import { toWire, type WireChunk } from './wire.js';

export interface CsvTask {
  path: string;
  options: CsvOptions;
  start: number;
  end: number;
}

export interface WindowTask {
  path: string;
  /** With `columns` and `header` settled, and no byteRange. */
  options: CsvOptions;
  /** The window's blocks (file offsets) and the shared counter to claim them from. */
  window: WindowClaims;
  /** Storage of blocks already handed out, moved here to read into again. */
  spares: SlotsWire[];
}

export type BlockWire = { id: number; starts: Int32Array } & ({ slots: SlotsWire } | { rows: unknown[] });

export default async function run(task: CsvTask | WindowTask): Promise<unknown> {
  return 'window' in task ? decodeWindow(task) : decodeRange(task);
}

async function decodeRange(task: CsvTask): Promise<unknown> {
  const transfer: ArrayBuffer[] = [];
  const chunks: WireChunk[] = [];
  const ds = csv(task.path, { ...task.options, byteRange: [task.start, task.end] });
  for await (const chunk of ds.chunks()) chunks.push(toWire(chunk, transfer));
  return Piscina.move({ [Piscina.transferableSymbol]: transfer, [Piscina.valueSymbol]: chunks } as never);
}

/** One dealer per thread: tasks run one at a time here. */
const dealer = new BlockDealer<unknown>();
/** The reader of the file last shuffled here, kept for its buffers. */
let lastRanges: { key: string; ranges: CsvRanges } | undefined;

function rangesFor(path: string, options: CsvOptions): CsvRanges {
  const key = JSON.stringify([path, options]);
  if (lastRanges?.key !== key) lastRanges = { key, ranges: new CsvRanges(path, options) };
  return lastRanges.ranges;
}

async function decodeWindow(task: WindowTask): Promise<unknown> {
  dealer.use(task.spares.map((w) => new ColumnSlots(w, 0)));
  const ranges = rangesFor(task.path, task.options);
  let blocks: BlockRows<unknown>[];
  try {
    blocks = await readClaimed(task.window, ranges, dealer);
  } finally {
    await ranges.close(); // the file; its buffers stay for the next window
  }
  const transfer: ArrayBuffer[] = [];
  const wire = blocks.map((b): BlockWire => {
    transfer.push(b.starts.buffer as ArrayBuffer);
    return b.slots !== undefined ? { id: b.id, starts: b.starts, slots: b.slots.toWire(transfer) } : { id: b.id, starts: b.starts, rows: b.rows };
  });
  return Piscina.move({ [Piscina.transferableSymbol]: transfer, [Piscina.valueSymbol]: wire } as never);
}

export function fromBlockWire<T>(wire: BlockWire): BlockRows<T> {
  return 'slots' in wire ? { id: wire.id, starts: wire.starts, slots: new ColumnSlots(wire.slots, 0) } : { id: wire.id, starts: wire.starts, rows: wire.rows as T[] };
}
