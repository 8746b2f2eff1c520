// The second pass of a window's permutation: the window's blocks interleaved in a random order.
import { type Chunk, CHUNK_SIZE, chunkToArray, ColumnChunk, sameLayout } from '../chunk.js';
import { align64, kernel, kernelMemory } from '../kernel.js';
import { shuffleInsideOut } from '../random.js';
import { ColumnSlots } from './columns.js';
import { BufferPool } from '../buffer-pool.js';
import type { BlockRows } from './windows.js';

/**
 * The second pass of the window's permutation: a label per row of the window says which
 * block the row comes from (block b labels count_b rows), the labels are shuffled (a
 * Fisher–Yates over two bytes a row), and output row k is the next row of block labels[k].
 * Each block was laid out in a uniform random order by the first pass (BlockDealer), so the
 * window comes out in a uniform random order: a uniform interleaving of independently,
 * uniformly ordered blocks is a uniform permutation of their union. The blocks are read in
 * sequence and the output written in sequence, where one Fisher–Yates gather over a window
 * larger than the CPU caches would miss the cache on every row. Chunks of CHUNK_SIZE rows,
 * the first `first` rows (1 to CHUNK_SIZE) long: the window loop lines every chunk up with
 * multiples of CHUNK_SIZE in the epoch, so that a downstream batch of a size dividing it
 * takes views, not copies, across windows too.
 */
export function handOut<T>(blocks: BlockRows<T>[], random: Int32Array, scratch?: LabelScratch, first = CHUNK_SIZE, pool = new BufferPool()): Generator<Chunk<T>, void> {
  const labels = shuffledLabels(blocks.map((b) => b.count), random, scratch);
  const like = blocks.find((b) => b.slots !== undefined && b.count > 0)?.slots;
  const packed = like !== undefined && blocks.every((b) => (b.slots !== undefined ? sameLayout(b.slots, like) : b.count === 0));
  if (!packed) return rowChunks(blocks.map((b) => b.rows ?? chunkToArray(b.slots!.chunk<T>(b.count))), labels, first);
  // Built by push: one kind of array every window (see interleave).
  const slots: ColumnSlots[] = [];
  for (const b of blocks) slots.push(b.slots ?? like); // a block without storage has no rows, so no label
  return slotChunks<T>(slots, like, labels, first, pool);
}

/**
 * handOut's chunks from block storage: the per-chunk path, a generator of its own and a
 * few lines, so that what the optimising compiler compiles (every epoch's first window) is
 * small; the per-window set-up above runs in the interpreter.
 */
function* slotChunks<T>(slots: ColumnSlots[], like: ColumnSlots, labels: Uint16Array, first: number, pool: BufferPool): Generator<Chunk<T>, void> {
  const cursors = new Int32Array(slots.length);
  for (let from = 0, n = Math.min(first, labels.length); n > 0; from += n, n = Math.min(CHUNK_SIZE, labels.length - from)) {
    const out = like.outputs(n, pool);
    ColumnSlots.interleave(slots, labels, from, n, cursors, out);
    yield new ColumnChunk<T>(n, like.named(out));
  }
}

/** handOut's chunks from blocks of rows (layouts that do not pack). */
function* rowChunks<T>(rowsOf: readonly (readonly T[])[], labels: Uint16Array, first: number): Generator<Chunk<T>, void> {
  const cursors = new Int32Array(rowsOf.length);
  for (const [from, n] of spans(labels.length, first)) {
    const items = new Array<T>(n);
    for (let k = 0; k < items.length; k++) {
      const b = labels[from + k]!;
      items[k] = rowsOf[b]![cursors[b]!++]!;
    }
    yield items;
  }
}

/** [from, rows] of each chunk of `total` rows: the first `first` rows long, then CHUNK_SIZE each. */
function* spans(total: number, first: number): Generator<[number, number], void> {
  for (let from = 0; from < total; from += from === 0 ? first : CHUNK_SIZE) yield [from, Math.min(from === 0 ? first : CHUNK_SIZE, total - from)];
}

/**
 * Memory for a window's labels, kept from window to window and epoch to epoch (the window loop
 * keeps one for each epoch open at a time): a fresh 2.5 MB array a window (MovieLens, 32
 * blocks) cost its page faults every window.
 */
export interface LabelScratch {
  labels?: Uint16Array;
}

/**
 * Block b's label (b) count[b] times, in a uniform random order (an inside-out Fisher–Yates,
 * two bytes a row); in `scratch`'s memory when it holds enough (the labels are used before the
 * next window's are drawn).
 */
export function shuffledLabels(counts: readonly number[], random: Int32Array, scratch?: LabelScratch): Uint16Array {
  if (counts.length > 65_536) throw new RangeError(`block shuffle: ${counts.length} blocks in a window; at most 65,536`);
  const total = counts.reduce((a, b) => a + b, 0);
  // An eighth more than asked: windows differ a little in rows, and each larger one would
  // otherwise cost a fresh array (three in a 10M-row first epoch: ~1,800 page faults).
  if (scratch !== undefined && (scratch.labels?.length ?? -1) < total) scratch.labels = new Uint16Array(total + (total >> 3));
  const labels = scratch === undefined ? new Uint16Array(total) : scratch.labels!.subarray(0, total);
  counts.reduce((at, n, b) => (labels.fill(b, at, at + n), at + n), 0);
  if (!shuffledInKernel(labels, random)) shuffleInsideOut(labels, random);
  return labels;
}

/** Labels the kernel shuffles a call. */
const LABEL_PIECE = 1 << 16;

/**
 * shuffleInsideOut over `labels` done by the WebAssembly kernel, the same order (~2.5
 * against 4–10 ns a label: bench/README.md, "Seventh pass"); false where there is no kernel.
 */
function shuffledInKernel(labels: Uint16Array, random: Int32Array): boolean {
  const k = kernel();
  if (k === undefined) return false;
  const state = align64(k.heapBase());
  const at = align64(state + 16);
  let memory: ArrayBuffer;
  try {
    memory = kernelMemory(k, at + 2 * labels.length);
  } catch {
    return false; // no memory to grow into: the JavaScript loop's
  }
  new Int32Array(memory, state, 4).set(random);
  const inKernel = new Uint16Array(memory, at, labels.length);
  inKernel.set(labels);
  // In pieces: WebAssembly code has no on-stack replacement, so one call over a window's
  // labels would run its first window wholly in the baseline tier (~2× slower); between
  // pieces V8 switches to the optimised code once it is compiled.
  for (let from = 0; from < labels.length; from += LABEL_PIECE) k.shuffleLabels(at, from, Math.min(labels.length, from + LABEL_PIECE), state);
  labels.set(inKernel);
  random.set(new Int32Array(memory, state, 4));
  return true;
}
