// A coverage receipt: an order-independent digest of the rows an epoch delivered. Each row
// hashes its values (column by column, by their bits) to two 32-bit words; the receipt keeps
// the row count and the two words' sums mod 2^32. Sums commute, so shards' receipts add up,
// and the union of a job's shards matches the digest of the whole dataset exactly when
// every row was delivered once (a lost or repeated row changes the count and the sums).
// Rows are identified by content: a dataset with equal rows is checked as a multiset.
import { type Chunk, ColumnChunk, type NumericArray } from '../chunk.js';

/** What a receipt says: rows, and a 64-bit digest (hex) of their values. */
export interface Receipt {
  rows: number;
  digest: string;
}

const f64 = new Float64Array(1);
const f64words = new Uint32Array(f64.buffer);
/** The rows' two hash words while a chunk is hashed (Int32Array: the same 32 bits as unsigned words, kept unboxed); grown as needed. */
let scratch = new Int32Array(0);
/** The high word of an int32 value's hash input (its low word is the value). */
const INT_HI = 0x51ed27;

/**
 * Accumulates the digest of the rows of chunks, in any order.
 * @example
 * const all = new Coverage();
 * for await (const c of csv('ratings.csv').chunks()) all.add(c);
 * const shards = [0, 1].map((index) => shuffledCsvFiles('ratings.csv', { shard: { count: 2, index } }));
 * for (const s of shards) for await (const _ of s.chunks({ epoch: 0 }));
 * Coverage.sum(shards.map((s) => s.receipt())).digest === all.receipt().digest; // every row once
 */
export class Coverage {
  private rows = 0;
  private a = 0;
  private b = 0;

  /** Adds a chunk's rows. */
  add(chunk: Chunk<unknown>): void {
    if (chunk instanceof ColumnChunk) this.addColumns(chunk.size, Object.keys(chunk.columns).sort().map((k) => (chunk.columns as Record<string, NumericArray | string[]>)[k]!));
    else {
      for (const row of chunk) {
        const text = JSON.stringify(row);
        this.addHash(stringHash(text, 0x9e3779b9), stringHash(text, 0x7f4a7c15));
      }
    }
  }

  /** A copy, to go on adding to separately. */
  clone(): Coverage {
    const c = new Coverage();
    [c.rows, c.a, c.b] = [this.rows, this.a, this.b];
    return c;
  }

  receipt(): Receipt {
    return { rows: this.rows, digest: hex(this.a) + hex(this.b) };
  }

  /** The receipt of several (shards, runs) together. */
  static sum(receipts: readonly Receipt[]): Receipt {
    let [rows, a, b] = [0, 0, 0];
    for (const r of receipts) {
      rows += r.rows;
      a = (a + parseInt(r.digest.slice(0, 8), 16)) >>> 0;
      b = (b + parseInt(r.digest.slice(8, 16), 16)) >>> 0;
    }
    return { rows, digest: hex(a) + hex(b) };
  }

  // Once per value of every delivered row: one small function per column kind, each one
  // loop (one function with all the loops was compiled on the stack and deoptimized again,
  // chunk after chunk; it took 1.5-2× the time on a MovieLens epoch's chunks).
  private addColumns(n: number, columns: (NumericArray | string[])[]): void {
    if (scratch.length < 2 * n) scratch = new Int32Array(2 * n);
    const h1 = scratch.subarray(0, n).fill(0x9e3779b9 | 0);
    const h2 = scratch.subarray(n, 2 * n).fill(0x7f4a7c15);
    for (const column of columns) {
      if (column instanceof Int32Array) hashInt32(h1, h2, column, n);
      else if (Array.isArray(column)) hashStrings(h1, h2, column, n);
      else hashNumbers(h1, h2, column, n);
    }
    this.a = sumMixed(h1, n, this.a);
    this.b = sumMixed(h2, n, this.b);
    this.rows += n;
  }

  private addHash(x: number, y: number): void {
    this.rows++;
    this.a = (this.a + fmix(x)) >>> 0;
    this.b = (this.b + fmix(y)) >>> 0;
  }
}

// hot loop: an int32 value's words are (value, INT_HI)
function hashInt32(h1: Int32Array, h2: Int32Array, column: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const lo = column[i]!;
    h1[i] = mix(h1[i]! ^ lo, INT_HI);
    h2[i] = mix(h2[i]! ^ INT_HI, lo ^ 0x2545f491);
  }
}

// hot loop: an integer in int32's range hashes as an int32 (whatever the column's type), any
// other number (a fraction, out of range, NaN) as its float64 bits
function hashNumbers(h1: Int32Array, h2: Int32Array, column: Float32Array | Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = column[i]!;
    let lo = v | 0;
    let hi = INT_HI;
    if (lo !== v) {
      f64[0] = v;
      lo = f64words[0]!;
      hi = f64words[1]!;
    }
    h1[i] = mix(h1[i]! ^ lo, hi);
    h2[i] = mix(h2[i]! ^ hi, lo ^ 0x2545f491);
  }
}

function hashStrings(h1: Int32Array, h2: Int32Array, column: string[], n: number): void {
  for (let i = 0; i < n; i++) {
    const lo = stringHash(column[i]!, 1);
    const hi = stringHash(column[i]!, 2);
    h1[i] = mix(h1[i]! ^ lo, hi);
    h2[i] = mix(h2[i]! ^ hi, lo ^ 0x2545f491);
  }
}

// hot loop: the sum mod 2^32 of the rows' finished hashes
function sumMixed(h: Int32Array, n: number, sum: number): number {
  for (let i = 0; i < n; i++) sum = (sum + fmix(h[i]!)) >>> 0;
  return sum;
}

function mix(h: number, k: number): number {
  h = Math.imul(h ^ k, 0xcc9e2d51);
  return (h << 15) | (h >>> 17); // int32: the same bits as the unsigned word
}

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function stringHash(s: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return fmix(h);
}

function hex(x: number): string {
  return (x >>> 0).toString(16).padStart(8, '0');
}
