// The first pass of a window's permutation: a block's rows dealt into random buckets.
import { type Chunk, chunkToArray, ColumnChunk, sameLayout } from '../chunk.js';
import { randomState } from '../random.js';
import { ColumnSlots } from './columns.js';
import type { BlockRows } from './windows.js';

/**
 * The first pass of a window's permutation, done by whoever read the block: each row of
 * the block goes to a random bucket of the window (drawn from the block's own seed, so the
 * block deals the same on any thread), and the block's rows are laid out bucket by bucket.
 * The block is small enough (about 45k MovieLens rows, 720 KB) that this stays in cache.
 * Storage of blocks already handed out is reused.
 */
export class BlockDealer<T> {
  private free: ColumnSlots[] = [];
  private keys = new Uint16Array(0);

  use(spares: ColumnSlots[]): void {
    this.free.push(...spares);
  }

  deal(id: number, chunks: Chunk<T>[], seed: number, buckets: number): BlockRows<T> {
    const n = chunks.reduce((m, c) => m + (c instanceof ColumnChunk ? c.size : c.length), 0);
    if (this.keys.length < n) this.keys = new Uint16Array(Math.ceil(n * 1.1));
    const keys = this.keys;
    const starts = drawBuckets(keys, n, seed, buckets);
    const next = starts.slice(0, buckets); // where each bucket's next row goes
    const first = chunks[0];
    if (first instanceof ColumnChunk && chunks.every((c) => c instanceof ColumnChunk && sameLayout(c, first))) {
      const slots = this.take(first, n);
      let at = 0;
      for (const c of chunks as ColumnChunk<T>[]) {
        slots.writeByKey(c, keys, at, next);
        at += c.size;
      }
      return { id, starts, slots };
    }
    const items = chunks.flatMap((c) => chunkToArray(c));
    const rows = new Array<T>(n);
    for (let i = 0; i < n; i++) rows[next[keys[i]!]!++] = items[i]!;
    return { id, starts, rows };
  }

  private take(like: ColumnChunk<T>, rows: number): ColumnSlots {
    const i = this.free.findIndex((g) => g.capacity >= rows && sameLayout(g, like));
    if (i >= 0) return this.free.splice(i, 1)[0]!;
    return new ColumnSlots(like, Math.ceil(rows * 1.1)); // blocks differ a little in rows
  }
}

/**
 * Draws the buckets of n rows into keys[0, n) from `seed`, and returns where each bucket
 * starts when the rows are laid out bucket by bucket: bucket b is rows [starts[b], starts[b + 1]).
 */
export function drawBuckets(keys: Uint16Array, n: number, seed: number, buckets: number): Int32Array {
  const starts = new Int32Array(buckets + 1);
  // randomInt(seed)'s step inlined (hot loop: one draw a row, state in locals; see
  // src/random.ts). test/random.test.ts pins it to randomInt's stream.
  let [a, b, c, d] = randomState(seed) as unknown as [number, number, number, number];
  for (let i = 0; i < n; i++) {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + t) | 0;
    const bucket = Math.floor(((t >>> 0) / 4294967296) * buckets);
    keys[i] = bucket;
    starts[bucket + 1]!++;
  }
  for (let k = 0; k < buckets; k++) starts[k + 1]! += starts[k]!;
  return starts;
}

