// The first pass of a window's permutation: each block laid out in a random order where it is read.
import { type Chunk, chunkToArray, ColumnChunk, type ColumnLayout, sameLayout } from '../chunk.js';
import { randomState, shuffleInsideOut } from '../random.js';
import { ColumnSlots } from './columns.js';
import type { BlockRows } from './windows.js';

/**
 * The first pass of a window's permutation, done by whoever read the block: the block's
 * rows are copied into its storage in a uniform random order (an inside-out Fisher–Yates
 * drawn from the block's own seed, so the block comes out the same on any thread). The block
 * is small enough (about 45k MovieLens rows, 720 KB) that the random writes stay in cache.
 * Storage of blocks already handed out is reused.
 */
export class BlockDealer<T> {
  private free: ColumnSlots[] = [];
  /** Scratch for the draws of one chunk (layouts other than 4 packed columns). */
  private draws = new Int32Array(0);

  use(spares: ColumnSlots[]): void {
    this.free.push(...spares);
  }

  /** Takes back the storage this dealer was given and has not used (its free list empties). */
  unused(): ColumnSlots[] {
    return this.free.splice(0);
  }

  deal(id: number, chunks: Chunk<T>[], seed: number): BlockRows<T> {
    const count = chunks.reduce((m, c) => m + (c instanceof ColumnChunk ? c.size : c.length), 0);
    const random = randomState(seed);
    const first = chunks[0];
    if (first instanceof ColumnChunk && chunks.every((c) => c instanceof ColumnChunk && sameLayout(c, first))) {
      const slots = this.take(first, count);
      let at = 0;
      for (const c of chunks as ColumnChunk<T>[]) {
        if (this.draws.length < c.size) this.draws = new Int32Array(c.size);
        slots.dealShuffled(c, at, random, this.draws);
        at += c.size;
      }
      return { id, count, slots };
    }
    const rows = chunks.flatMap((c) => chunkToArray(c));
    shuffleInsideOut(rows, random);
    return { id, count, rows };
  }

  /**
   * Storage holding `values`: rows already laid out in a random order elsewhere (the fast
   * engine's kernel decodes and deals a block in one pass), packed 4 bytes a value.
   */
  packed(layout: ColumnLayout, values: Int32Array): ColumnSlots {
    const rows = values.length / layout.names.length;
    const slots = this.take(layout, rows);
    slots.setRows(values);
    return slots;
  }

  private take(like: ColumnChunk<T> | ColumnLayout, rows: number): ColumnSlots {
    const i = this.free.findIndex((g) => g.capacity >= rows && sameLayout(g, like));
    if (i >= 0) return this.free.splice(i, 1)[0]!;
    return new ColumnSlots(like, Math.ceil(rows * 1.1)); // blocks differ a little in rows
  }
}
