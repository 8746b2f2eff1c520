// The shuffle buffer's columnar storage. When every column is 4 bytes wide (int32,
// float32: the MovieLens case) rows are stored interleaved in one Int32Array, so the one
// random access a row costs touches one cache line, not one per column; values move as
// raw bits (a shuffle never computes with them), which keeps every loop monomorphic.
// Other layouts keep one array per column.
import { allocColumn, type ColumnChunk, dtypeOf, type NumericArray, type NumericDType } from '../chunk.js';

export class ColumnSlots {
  readonly names: readonly string[];
  private readonly dtypes: readonly NumericDType[];
  /** Row-major, `width` ints a row, when every column is 4 bytes wide. */
  private readonly packed: Int32Array | undefined;
  private readonly width: number;
  /** One array per column otherwise. */
  private readonly separate: NumericArray[] | undefined;

  constructor(like: ColumnChunk<unknown>, capacity: number) {
    this.names = Object.keys(like.columns);
    this.dtypes = this.names.map((n) => dtypeOf(like.columns[n]!));
    this.width = this.names.length;
    if (this.dtypes.every((d) => d !== 'float64')) this.packed = new Int32Array(capacity * this.width);
    else this.separate = this.dtypes.map((d) => allocColumn(d, capacity));
  }

  /** Whether `chunk` has exactly these columns and dtypes. */
  matches(chunk: ColumnChunk<unknown>): boolean {
    const names = Object.keys(chunk.columns);
    return names.length === this.width && this.names.every((n, c) => chunk.columns[n] !== undefined && dtypeOf(chunk.columns[n]) === this.dtypes[c]);
  }

  /** Copies rows [from, from + count) of `chunk` into slots [at, at + count). */
  write(chunk: ColumnChunk<unknown>, from: number, count: number, at: number): void {
    const w = this.width;
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

  private named(arrays: NumericArray[]): Record<string, NumericArray> {
    const out: Record<string, NumericArray> = {};
    this.names.forEach((name, c) => (out[name] = arrays[c]!));
    return out;
  }
}

/** `swap` for the common width of 4 (MovieLens), with every array in a local. */
function swap4(buf: Int32Array, slots: Int32Array, from: number, dsts: Int32Array[], srcs: Int32Array[]): void {
  const [d0, d1, d2, d3] = dsts as [Int32Array, Int32Array, Int32Array, Int32Array];
  const [s0, s1, s2, s3] = srcs as [Int32Array, Int32Array, Int32Array, Int32Array];
  for (let k = 0; k < slots.length; k++) {
    const b = slots[k]! << 2;
    const r = from + k;
    d0[k] = buf[b]!;
    d1[k] = buf[b + 1]!;
    d2[k] = buf[b + 2]!;
    d3[k] = buf[b + 3]!;
    buf[b] = s0[r]!;
    buf[b + 1] = s1[r]!;
    buf[b + 2] = s2[r]!;
    buf[b + 3] = s3[r]!;
  }
}

/** `gather` for width 4 in one pass: one random read of a 16-byte row per output row. */
function gather4(buf: Int32Array, order: Int32Array, dsts: Int32Array[]): void {
  const [d0, d1, d2, d3] = dsts as [Int32Array, Int32Array, Int32Array, Int32Array];
  for (let i = 0; i < order.length; i++) {
    const b = order[i]! << 2;
    d0[i] = buf[b]!;
    d1[i] = buf[b + 1]!;
    d2[i] = buf[b + 2]!;
    d3[i] = buf[b + 3]!;
  }
}

/** The same memory as an Int32Array (for 4-byte columns). */
function bits32(a: NumericArray): Int32Array {
  return a instanceof Int32Array ? a : new Int32Array(a.buffer, a.byteOffset, a.length);
}
