// ColumnSlots' loops for the common width of 4 packed columns (MovieLens: userId, movieId,
// rating, timestamp), each with every array in a local, so that V8 keeps them in registers:
// the generic loops index an array of columns per value. interleavePacked, the interleave
// of packed rows of any width, is here too, beside interleave4.
import type { NumericArray } from '../chunk.js';

/** `swap` for the common width of 4 (MovieLens), with every array in a local. */
export function swap4(buf: Int32Array, slots: Int32Array, from: number, dsts: Int32Array[], srcs: Int32Array[]): void {
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

/** `swapInPlace` for width 4: row from + k of the columns trades places with slot slots[k]. */
export function swapInPlace4(buf: Int32Array, slots: Int32Array, from: number, cols: Int32Array[]): void {
  const [c0, c1, c2, c3] = cols as [Int32Array, Int32Array, Int32Array, Int32Array];
  for (let k = 0; k < slots.length; k++) {
    const b = slots[k]! << 2;
    const r = from + k;
    const v0 = buf[b]!;
    const v1 = buf[b + 1]!;
    const v2 = buf[b + 2]!;
    const v3 = buf[b + 3]!;
    buf[b] = c0[r]!;
    buf[b + 1] = c1[r]!;
    buf[b + 2] = c2[r]!;
    buf[b + 3] = c3[r]!;
    c0[r] = v0;
    c1[r] = v1;
    c2[r] = v2;
    c3[r] = v3;
  }
}

/**
 * `swapInPlace4` with the slots drawn as it goes: row from + k trades places with slot
 * `nextBelow(random, capacity)`, for k in [0, count). randomInt's step inlined (hot loop: one
 * draw a row, the shuffle buffer's; see src/random.ts), pinned to randomInt's stream by
 * test/random.test.ts; the state is handed on.
 */
export function swapDrawn4(buf: Int32Array, capacity: number, from: number, count: number, cols: Int32Array[], random: Int32Array): void {
  const [c0, c1, c2, c3] = cols as [Int32Array, Int32Array, Int32Array, Int32Array];
  let [a, b, c, d] = random as unknown as [number, number, number, number];
  for (let r = from; r < from + count; r++) {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + t) | 0;
    const s = Math.floor(((t >>> 0) / 4294967296) * capacity) << 2;
    const v0 = buf[s]!;
    const v1 = buf[s + 1]!;
    const v2 = buf[s + 2]!;
    const v3 = buf[s + 3]!;
    buf[s] = c0[r]!;
    buf[s + 1] = c1[r]!;
    buf[s + 2] = c2[r]!;
    buf[s + 3] = c3[r]!;
    c0[r] = v0;
    c1[r] = v1;
    c2[r] = v2;
    c3[r] = v3;
  }
  random.set([a, b, c, d]);
}

/** `write` for width 4 in one pass: each row written whole, in sequence. */
export function write4(srcs: Int32Array[], from: number, count: number, buf: Int32Array, at: number): void {
  const [s0, s1, s2, s3] = srcs as [Int32Array, Int32Array, Int32Array, Int32Array];
  for (let i = 0; i < count; i++) {
    const r = (at + i) << 2;
    buf[r] = s0[from + i]!;
    buf[r + 1] = s1[from + i]!;
    buf[r + 2] = s2[from + i]!;
    buf[r + 3] = s3[from + i]!;
  }
}

/**
 * `dealShuffled` for width 4: the n rows of the columns `srcs` continue an inside-out
 * Fisher–Yates shuffle into `buf` at row `at` (row at + k trades places with a random earlier
 * row). randomInt's step inlined (hot loop: one draw a row; see src/random.ts), pinned to
 * randomInt's stream by test/random.test.ts; the state is handed on. `buf` is one block
 * (about 720 KB): the random writes stay in cache.
 */
export function dealShuffled4(srcs: Int32Array[], n: number, at: number, buf: Int32Array, random: Int32Array): void {
  const [s0, s1, s2, s3] = srcs as [Int32Array, Int32Array, Int32Array, Int32Array];
  let a = random[0]!;
  let b = random[1]!;
  let c = random[2]!;
  let d = random[3]!;
  for (let k = 0; k < n; k++) {
    const i = at + k;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + t) | 0;
    const j = Math.floor(((t >>> 0) / 4294967296) * (i + 1)) << 2;
    const r = i << 2;
    buf[r] = buf[j]!;
    buf[r + 1] = buf[j + 1]!;
    buf[r + 2] = buf[j + 2]!;
    buf[r + 3] = buf[j + 3]!;
    buf[j] = s0[k]!;
    buf[j + 1] = s1[k]!;
    buf[j + 2] = s2[k]!;
    buf[j + 3] = s3[k]!;
  }
  random[0] = a;
  random[1] = b;
  random[2] = c;
  random[3] = d;
}

/**
 * `interleave` for width 4: output row k is the next row (cursors[label]) of block
 * `labels[from + k]`. Each block is read in sequence, the output written in sequence.
 */
export function interleave4(packs: Int32Array[], labels: Uint16Array, from: number, count: number, cursors: Int32Array, dsts: Int32Array[]): void {
  const [d0, d1, d2, d3] = dsts as [Int32Array, Int32Array, Int32Array, Int32Array];
  for (let k = 0; k < count; k++) {
    const block = labels[from + k]!;
    const src = packs[block]!;
    const r = cursors[block]!++ << 2;
    d0[k] = src[r]!;
    d1[k] = src[r + 1]!;
    d2[k] = src[r + 2]!;
    d3[k] = src[r + 3]!;
  }
}

/**
 * `interleave` for packed rows of any width (`dsts.length` values a row): interleave4's
 * result for other widths (the kernel's reference for them).
 */
export function interleavePacked(packs: Int32Array[], labels: Uint16Array, from: number, count: number, cursors: Int32Array, dsts: Int32Array[]): void {
  const w = dsts.length;
  for (let k = 0; k < count; k++) {
    const block = labels[from + k]!;
    const src = packs[block]!;
    const r = cursors[block]!++ * w;
    for (let c = 0; c < w; c++) dsts[c]![k] = src[r + c]!;
  }
}

/** `gather` for width 4 in one pass: one random read of a 16-byte row per output row. */
export function gather4(buf: Int32Array, order: Int32Array, dsts: Int32Array[]): void {
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
export function bits32(a: NumericArray): Int32Array {
  return a instanceof Int32Array ? a : new Int32Array(a.buffer, a.byteOffset, a.length);
}
