import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Chunk, type ChunkIterator, ColumnChunk } from '../src/chunk.js';
import { ChunkCursor } from '../src/chunk-cursor.js';

/** An iterator over `chunks` that counts its next() and return() calls. */
function counted<T>(chunks: Chunk<T>[], failAt = -1): ChunkIterator<T> & { nexts: number; returns: number } {
  let i = 0;
  const it = {
    nexts: 0,
    returns: 0,
    async next(): Promise<IteratorResult<Chunk<T>, undefined>> {
      it.nexts++;
      if (i === failAt) throw new Error(`read ${i} failed`);
      return i < chunks.length ? { done: false, value: chunks[i++]! } : { done: true, value: undefined };
    },
    async return(): Promise<IteratorResult<Chunk<T>, undefined>> {
      it.returns++;
      return { done: true, value: undefined };
    },
  };
  return it;
}

test('take(n) crosses chunks piece by piece: the whole chunk when taken whole, views of columnar ones', async () => {
  const whole = [1, 2, 3];
  const col = new ColumnChunk<{ x: number }>(5, { x: Int32Array.of(4, 5, 6, 7, 8) });
  const cursor = new ChunkCursor(counted<unknown>([whole, [], col]));
  assert.equal(await cursor.take(3), whole);
  const a = (await cursor.take(2)) as ColumnChunk<{ x: number }>;
  assert.deepEqual([...a.columns.x!], [4, 5]);
  assert.equal(a.columns.x!.buffer, col.columns.x!.buffer); // a view, not a copy
  assert.equal(cursor.available, 3);
  const b = (await cursor.take(10)) as ColumnChunk<{ x: number }>;
  assert.deepEqual([...b.columns.x!], [6, 7, 8]);
  assert.equal(await cursor.take(1), undefined);
  assert.equal(await cursor.fill(), false);
});

test('readAhead keeps one next() in flight; close() returns the iterator once, and not after its end', async () => {
  const it = counted([[1], [2], [3]]);
  const cursor = new ChunkCursor(it, true);
  assert.equal(it.nexts, 1); // asked for at once
  await cursor.take(1);
  assert.equal(it.nexts, 2); // the next chunk asked for as this one arrived
  await cursor.close();
  await cursor.close();
  assert.equal(it.returns, 1);
  assert.equal(await cursor.take(1), undefined);

  const ended = counted([[1]]);
  const all = new ChunkCursor(ended);
  while ((await all.take(5)) !== undefined);
  await all.close();
  assert.equal(ended.returns, 0);
});

test('a failed read ahead is rethrown by the take that needs it, not reported unhandled', async () => {
  const cursor = new ChunkCursor(counted([[1]], 1), true);
  assert.deepEqual(await cursor.take(1), [1]);
  await new Promise((r) => setImmediate(r)); // the failed read has settled
  await assert.rejects(cursor.take(1), /read 1 failed/);
});
