// Columnar storage of the shuffle buffer and of the block shuffle's blocks. When every
// column is 4 bytes wide (int32, float32: the MovieLens case) rows are stored interleaved in
// one Int32Array, so the one random access a row costs touches one cache line, not one per
// column; values move as raw bits (a shuffle never computes with them), which keeps every
// loop monomorphic. Other layouts keep one array per column.
import { allocColumn, ColumnChunk, type ColumnLayout, dtypeOf, type NumericArray, type NumericDType } from '../chunk.js';
import { nextBelow } from '../random.js';
import { bits32, gather4, shuffle4, swap4, swapDrawn4, swapInPlace4, write4, writeByKey4 } from './width4.js';

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

  /** Slots for `capacity` rows with the columns of `like` (a chunk, or names and dtypes with their storage from toWire). */
  constructor(like: ColumnChunk<unknown> | SlotsWire, capacity: number) {
    if ('columns' in like) {
      this.names = Object.keys(like.columns);
      this.dtypes = this.names.map((n) => dtypeOf(like.columns[n]!));
    } else {
      this.names = like.names;
      this.dtypes = like.dtypes;
    }
    this.width = this.names.length;
    if ('storage' in like) {
      if (like.storage instanceof Int32Array) this.packed = like.storage;
      else this.separate = like.storage;
    } else if (this.dtypes.every((d) => d !== 'float64')) this.packed = new Int32Array(capacity * this.width);
    else this.separate = this.dtypes.map((d) => allocColumn(d, capacity));
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

  /** Fresh output columns for `count` rows, for shuffleInto and named. */
  outputs(count: number): NumericArray[] {
    // One allocation for every column (views of it): a chunk costs one buffer, not one a
    // column. 8-byte columns come first, so that every view is aligned.
    const wide = this.dtypes.filter((d) => d === 'float64').length;
    const buffer = new ArrayBuffer(count * (8 * wide + 4 * (this.width - wide)));
    let [at8, at4] = [0, 8 * wide * count];
    return this.dtypes.map((d) => {
      if (d === 'float64') return new Float64Array(buffer, (at8 += 8 * count) - 8 * count, count);
      const column = d === 'float32' ? new Float32Array(buffer, at4, count) : new Int32Array(buffer, at4, count);
      at4 += 4 * count;
      return column;
    });
  }

  /**
   * Continues an inside-out Fisher–Yates shuffle into `out` (from outputs): slots
   * [from, from + count) become output rows `at`, `at` + 1, …, each swapped with a random
   * earlier output row. Called for several ranges in turn with rising `at`, it gives their
   * rows in a uniform random order. It reads the slots in sequence and writes only within
   * the output, so an output that fits in cache costs no miss a row.
   */
  shuffleInto(out: NumericArray[], at: number, from: number, count: number, random: Int32Array): void {
    const w = this.width;
    const packed = this.packed;
    if (packed !== undefined && w === 4) {
      shuffle4(packed, from, count, at, random, out.map(bits32));
      return;
    }
    const dsts = packed !== undefined ? out.map(bits32) : out;
    for (let k = 0; k < count; k++) {
      const i = at + k;
      const j = nextBelow(random, i + 1);
      for (let c = 0; c < w; c++) {
        const dst = dsts[c]!;
        dst[i] = dst[j]!;
        dst[j] = packed !== undefined ? packed[(from + k) * w + c]! : this.separate![c]![from + k]!;
      }
    }
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
   * Writes the rows of `chunk` (same columns) by bucket: row i goes to bucket keys[at + i],
   * at slot next[bucket] (which then moves on).
   */
  writeByKey(chunk: ColumnChunk<unknown>, keys: Uint16Array, at: number, next: Int32Array): void {
    const w = this.width;
    const n = chunk.size;
    if (this.packed !== undefined && w === 4) {
      writeByKey4(this.names.map((name) => bits32(chunk.columns[name]!)), n, keys, at, next, this.packed);
      return;
    }
    const slot = new Int32Array(n);
    for (let i = 0; i < n; i++) slot[i] = next[keys[at + i]!]!++;
    for (let c = 0; c < w; c++) {
      const src = chunk.columns[this.names[c]!]!;
      if (this.packed !== undefined) {
        const bits = bits32(src);
        for (let i = 0; i < n; i++) this.packed[slot[i]! * w + c] = bits[i]!;
      } else {
        const dst = this.separate![c]!;
        for (let i = 0; i < n; i++) dst[slot[i]!] = src[i]!;
      }
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
