// Columnar storage of the shuffle buffer and of the block shuffle's blocks. When every
// column is 4 bytes wide (int32, float32: the MovieLens case) rows are stored interleaved in
// one Int32Array, so the one random access a row costs touches one cache line, not one per
// column; values move as raw bits (a shuffle never computes with them), which keeps every
// loop monomorphic. Other layouts keep one array per column.
import type { BufferPool } from '../buffer-pool.js';
import { allocColumn, CHUNK_SIZE, ColumnChunk, type ColumnLayout, dtypeOf, type NumericArray, type NumericDType } from '../chunk.js';
import { drawBelow, nextBelow } from '../random.js';
import { interleavedInKernel } from './kernel-interleave.js';
import { bits32, dealShuffled4, gather4, interleave4, interleavePacked, swap4, swapDrawn4, swapInPlace4, write4 } from './width4.js';

/** ColumnSlots as they cross a thread boundary. */
export interface SlotsWire {
  names: readonly string[];
  dtypes: readonly NumericDType[];
  storage: Int32Array | NumericArray[];
}

export class ColumnSlots implements ColumnLayout {
  readonly names: readonly string[];
  readonly dtypes: readonly NumericDType[];
  /** Row-major, `width` ints a row, when every column is 4 bytes wide. */
  private readonly packed: Int32Array | undefined;
  private readonly width: number;
  /** One array per column otherwise. */
  private readonly separate: NumericArray[] | undefined;

  /** Slots for `capacity` rows with the columns of `like` (a chunk, a layout, or names and dtypes with their storage from toWire). */
  constructor(like: ColumnChunk<unknown> | ColumnLayout | SlotsWire, capacity: number) {
    if ('columns' in like) {
      this.names = Object.keys(like.columns);
      this.dtypes = this.names.map((n) => dtypeOf(like.columns[n]!));
    } else {
      // Copied by spread: the lists of slots that crossed from a worker arrive as holey
      // arrays, and the hand-out's optimised code, compiled for one kind, deoptimised on the other.
      this.names = [...like.names];
      this.dtypes = [...like.dtypes];
    }
    this.width = this.names.length;
    if ('storage' in like) {
      if (like.storage instanceof Int32Array) this.packed = like.storage;
      else this.separate = like.storage;
    } else if (this.dtypes.every((d) => d !== 'float64')) this.packed = new Int32Array(capacity * this.width);
    else this.separate = this.dtypes.map((d) => allocColumn(d, capacity));
  }

  /** Slots [0, n) take the packed rows `values` (n rows of `width` values: a packed layout only). */
  setRows(values: Int32Array): void {
    this.packed!.set(values);
  }

  /** Rows the slots hold. */
  get capacity(): number {
    if (this.width === 0) return Number.MAX_SAFE_INTEGER;
    return this.packed !== undefined ? this.packed.length / this.width : this.separate![0]!.length;
  }

  /** Slots [0, rows) as a chunk of fresh columns. */
  chunk<T>(rows: number): ColumnChunk<T> {
    return new ColumnChunk<T>(rows, this.gather(Int32Array.from({ length: rows }, (_, i) => i)));
  }

  /**
   * Output columns for `count` rows (at most CHUNK_SIZE), for interleave and named: from
   * `pool` (memory given back, else fresh), always a CHUNK_SIZE-row buffer, so that the odd
   * sizes of a window's first and last chunks come back as buffers every chunk can use.
   */
  outputs(count: number, pool: BufferPool): NumericArray[] {
    const full = pool.columns(this.dtypes, Math.max(count, CHUNK_SIZE));
    if (count === full[0]?.length) return full;
    const out: NumericArray[] = []; // by push: one elements kind (BufferPool.columns)
    for (const c of full) out.push(c.subarray(0, count));
    return out;
  }

  /** The slots as posted to another thread (their buffers go in `transfer`: this object gives them up). */
  toWire(transfer: ArrayBuffer[]): SlotsWire {
    const storage = this.packed ?? this.separate!;
    for (const a of storage instanceof Int32Array ? [storage] : storage) transfer.push(a.buffer as ArrayBuffer);
    return { names: this.names, dtypes: this.dtypes, storage };
  }

  /** Copies rows [from, from + count) of `chunk` into slots [at, at + count). */
  write(chunk: ColumnChunk<unknown>, from: number, count: number, at: number): void {
    const w = this.width;
    if (this.packed !== undefined && w === 4) {
      write4(this.names.map((n) => bits32(chunk.columns[n]!)), from, count, this.packed, at);
      return;
    }
    for (let c = 0; c < w; c++) {
      const col = chunk.columns[this.names[c]!]!;
      if (this.packed !== undefined) {
        const src = bits32(col);
        const buf = this.packed;
        for (let i = 0; i < count; i++) buf[(at + i) * w + c] = src[from + i]!;
      } else {
        this.separate![c]!.set(col.subarray(from, from + count), at);
      }
    }
  }

  /**
   * The rows of `chunk` (same columns) continue an inside-out Fisher–Yates shuffle into the
   * slots at `at`: row k goes to slot at + k, then trades places with a random slot in
   * [0, at + k] (drawn from `random`, handed on). Called for a block's chunks in turn (at = 0,
   * then rising), it lays the block out in a uniform random order. `draws`: scratch of at
   * least chunk.size values.
   */
  dealShuffled(chunk: ColumnChunk<unknown>, at: number, random: Int32Array, draws: Int32Array): void {
    const w = this.width;
    const n = chunk.size;
    if (this.packed !== undefined && w === 4) {
      dealShuffled4(this.names.map((name) => bits32(chunk.columns[name]!)), n, at, this.packed, random);
      return;
    }
    drawBelow(random, at + 1, n, draws, 1);
    for (let c = 0; c < w; c++) {
      const src = chunk.columns[this.names[c]!]!;
      if (this.packed !== undefined) {
        const bits = bits32(src);
        const buf = this.packed;
        for (let k = 0; k < n; k++) {
          const i = (at + k) * w + c;
          const j = draws[k]! * w + c;
          buf[i] = buf[j]!;
          buf[j] = bits[k]!;
        }
      } else {
        const dst = this.separate![c]!;
        for (let k = 0; k < n; k++) {
          const j = draws[k]!;
          dst[at + k] = dst[j]!;
          dst[j] = src[k]!;
        }
      }
    }
  }

  /**
   * Output rows k = 0 … count - 1 (into `out`, from outputs) taken from several slots of one
   * layout: row k is the next row (cursors[b], which moves on) of `blocks[b]`, b = labels[from + k].
   */
  static interleave(blocks: readonly ColumnSlots[], labels: Uint16Array, from: number, count: number, cursors: Int32Array, out: NumericArray[]): void {
    const like = blocks[0]!;
    const w = like.width;
    if (like.packed !== undefined) {
      // Arrays built by push, so always of one kind (packed elements): arrays from map() over
      // the window's holey block list were of either kind, and the kernel's interleave kept
      // deoptimising on the one it had not seen (~160 times an epoch).
      const packs: Int32Array[] = [];
      for (const b of blocks) packs.push(b.packed!);
      const dsts: Int32Array[] = [];
      for (const o of out) dsts.push(bits32(o));
      if (interleavedInKernel(packs, labels, from, count, cursors, dsts)) return;
      if (w === 4) interleave4(packs, labels, from, count, cursors, dsts);
      else interleavePacked(packs, labels, from, count, cursors, dsts);
      return;
    }
    for (let k = 0; k < count; k++) {
      const b = labels[from + k]!;
      const r = cursors[b]!++;
      const block = blocks[b]!;
      for (let c = 0; c < w; c++) out[c]![k] = block.separate![c]![r]!;
    }
  }

  /**
   * For each k in order: output row k takes slot `slots[k]`, and that slot takes row
   * `from + k` of `chunk`. Returns the output rows as columns.
   */
  swap(chunk: ColumnChunk<unknown>, from: number, slots: Int32Array): Record<string, NumericArray> {
    const n = slots.length;
    const w = this.width;
    const out = this.dtypes.map((d) => allocColumn(d, n));
    if (this.packed !== undefined) {
      const buf = this.packed;
      const srcs = this.names.map((name) => bits32(chunk.columns[name]!));
      const dsts = out.map(bits32);
      if (w === 4) swap4(buf, slots, from, dsts, srcs);
      else for (let k = 0; k < n; k++) {
        const base = slots[k]! * w;
        for (let c = 0; c < w; c++) {
          dsts[c]![k] = buf[base + c]!;
          buf[base + c] = srcs[c]![from + k]!;
        }
      }
    } else {
      for (let c = 0; c < w; c++) {
        const buf = this.separate![c]!;
        const src = chunk.columns[this.names[c]!]!;
        const dst = out[c]!;
        for (let k = 0; k < n; k++) {
          const j = slots[k]!;
          dst[k] = buf[j]!;
          buf[j] = src[from + k]!;
        }
      }
    }
    return this.named(out);
  }

  /**
   * swap, with the output written over the chunk's own rows [from, from + slots.length):
   * row from + k trades places with slot slots[k], in order (for a chunk nothing else holds).
   */
  swapInPlace(chunk: ColumnChunk<unknown>, from: number, slots: Int32Array): void {
    const n = slots.length;
    const w = this.width;
    if (this.packed !== undefined) {
      const buf = this.packed;
      const cols = this.names.map((name) => bits32(chunk.columns[name]!));
      if (w === 4) swapInPlace4(buf, slots, from, cols);
      else for (let k = 0; k < n; k++) {
        const base = slots[k]! * w;
        for (let c = 0; c < w; c++) {
          const v = buf[base + c]!;
          buf[base + c] = cols[c]![from + k]!;
          cols[c]![from + k] = v;
        }
      }
      return;
    }
    for (let c = 0; c < w; c++) {
      const buf = this.separate![c]!;
      const col = chunk.columns[this.names[c]!]!;
      for (let k = 0; k < n; k++) {
        const j = slots[k]!;
        const v = buf[j]!;
        buf[j] = col[from + k]!;
        col[from + k] = v;
      }
    }
  }

  /**
   * swapInPlace with the slots drawn as it goes: row from + k of `chunk` trades places with
   * slot nextBelow(random, capacity), k = 0 … count - 1 (the draws of a shuffle buffer over
   * `capacity` slots, made in the same order as one nextBelow a row would make them).
   */
  swapDrawn(chunk: ColumnChunk<unknown>, from: number, count: number, capacity: number, random: Int32Array, scratch: Int32Array): void {
    if (this.packed !== undefined && this.width === 4) {
      swapDrawn4(this.packed, capacity, from, count, this.names.map((name) => bits32(chunk.columns[name]!)), random);
      return;
    }
    const slots = scratch.subarray(0, count);
    for (let k = 0; k < count; k++) slots[k] = nextBelow(random, capacity);
    this.swapInPlace(chunk, from, slots);
  }

  /** Slots `order[0]`, `order[1]`, … as columns. */
  gather(order: Int32Array): Record<string, NumericArray> {
    const n = order.length;
    const w = this.width;
    const out = this.dtypes.map((d) => allocColumn(d, n));
    if (this.packed !== undefined && w === 4) {
      gather4(this.packed, order, out.map(bits32));
      return this.named(out);
    }
    for (let c = 0; c < w; c++) {
      if (this.packed !== undefined) {
        const buf = this.packed;
        const dst = bits32(out[c]!);
        for (let i = 0; i < n; i++) dst[i] = buf[order[i]! * w + c]!;
      } else {
        const src = this.separate![c]!;
        const dst = out[c]!;
        for (let i = 0; i < n; i++) dst[i] = src[order[i]!]!;
      }
    }
    return this.named(out);
  }

  /** Output columns by name. */
  named(arrays: NumericArray[]): Record<string, NumericArray> {
    const out: Record<string, NumericArray> = {};
    this.names.forEach((name, c) => (out[name] = arrays[c]!));
    return out;
  }
}
