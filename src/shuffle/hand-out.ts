// The second pass of a window's permutation: each bucket shuffled as it is copied out.
import { type Chunk, CHUNK_SIZE, chunkToArray, ColumnChunk, type NumericArray, sameLayout } from '../chunk.js';
import { nextBelow } from '../random.js';
import type { BlockRows } from './windows.js';

/**
 * The second pass of the window's permutation: each bucket, its rows from every block in
 * block order, is shuffled as it is copied out (an inside-out Fisher–Yates that reads each
 * block's run of the bucket in sequence and writes within a scratch that fits in cache), and
 * the buckets follow one another in chunks of CHUNK_SIZE rows (so that a downstream batch of
 * a size dividing it takes views, not copies). With the first pass (BlockDealer), given the
 * bucket sizes, each bucket holds a uniform random subset of the window in a uniform random
 * order: the window comes out in a uniform random order, where one Fisher–Yates gather over
 * a window larger than the CPU caches would miss the cache on every row.
 */
export function* handOut<T>(blocks: BlockRows<T>[], buckets: number, random: Int32Array): Generator<Chunk<T>, void> {
  const like = blocks.find((b) => b.slots !== undefined && b.starts[buckets]! > 0)?.slots;
  const packed = like !== undefined && blocks.every((b) => (b.slots !== undefined ? sameLayout(b.slots, like) : b.rows.length === 0));
  if (!packed) {
    yield* handOutRows(blocks, buckets, random);
    return;
  }
  let scratch: NumericArray[] = [];
  let out = like.outputs(CHUNK_SIZE);
  let filled = 0;
  for (let bucket = 0; bucket < buckets; bucket++) {
    let size = 0;
    for (const b of blocks) size += b.starts[bucket + 1]! - b.starts[bucket]!;
    if (size === 0) continue;
    if ((scratch[0]?.length ?? 0) < size) scratch = like.outputs(Math.ceil(size * 1.25));
    for (let k = 0, at = 0; k < blocks.length; k++) {
      const { slots, starts } = blocks[k]!;
      const n = starts[bucket + 1]! - starts[bucket]!;
      if (n > 0) slots!.shuffleInto(scratch, at, starts[bucket]!, n, random);
      at += n;
    }
    for (let from = 0; from < size; ) {
      const n = Math.min(size - from, CHUNK_SIZE - filled);
      out.forEach((column, c) => column.set(scratch[c]!.subarray(from, from + n), filled));
      [from, filled] = [from + n, filled + n];
      if (filled === CHUNK_SIZE) {
        yield new ColumnChunk<T>(CHUNK_SIZE, like.named(out));
        [out, filled] = [like.outputs(CHUNK_SIZE), 0];
      }
    }
  }
  if (filled > 0) yield new ColumnChunk<T>(filled, like.named(out.map((column) => column.subarray(0, filled))));
}

/** handOut for blocks kept as rows (layouts that do not pack): the same two passes over objects. */
function* handOutRows<T>(blocks: BlockRows<T>[], buckets: number, random: Int32Array): Generator<Chunk<T>, void> {
  const rowsOf = blocks.map((b) => b.rows ?? chunkToArray(b.slots!.chunk<T>(b.starts[buckets]!)));
  for (let bucket = 0; bucket < buckets; bucket++) {
    const items: T[] = [];
    blocks.forEach((b, k) => {
      for (let r = b.starts[bucket]!; r < b.starts[bucket + 1]!; r++) {
        const j = nextBelow(random, items.length + 1);
        items.push(items[j]!);
        items[j] = rowsOf[k]![r]!;
      }
    });
    if (items.length > 0) yield items;
  }
}

