// How chunks cross threads: whole buffers move, shared ones are copied.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferPool } from '../../src/buffer-pool.js';
import { ColumnChunk, sliceChunk } from '../../src/chunk.js';
import { fromWire, toWire } from '../../src/workers/wire.js';

test('a chunk laid out in one buffer moves whole (no copy) when its sender owns it; its values arrive', () => {
  const [id, rating] = new BufferPool().columns(['int32', 'float32'], 4) as [Int32Array, Float32Array];
  id.set([1, 2, 3, 4]);
  rating.set([0.5, 1, 1.5, 2]);
  const notOwned: ArrayBuffer[] = [];
  structuredClone(toWire(new ColumnChunk(4, { id, rating }), notOwned), { transfer: notOwned });
  assert.ok(!notOwned.includes(id.buffer as ArrayBuffer)); // a source may keep chunks it handed out: copied
  assert.equal(id.length, 4);
  const transfer: ArrayBuffer[] = [];
  const wire = toWire(new ColumnChunk(4, { id, rating }), transfer, true);
  assert.deepEqual(transfer, [id.buffer]);
  const arrived = fromWire<{ id: number; rating: number }>(structuredClone(wire, { transfer })) as ColumnChunk<{ id: number; rating: number }>;
  assert.equal(id.length, 0); // moved: the sender's views are detached
  assert.deepEqual([...arrived.columns.id], [1, 2, 3, 4]);
  assert.deepEqual([...arrived.columns.rating], [0.5, 1, 1.5, 2]);
});

test('columns that view part of a buffer are copied, and the buffer stays with the sender', () => {
  const [id, rating] = new BufferPool().columns(['int32', 'float32'], 4) as [Int32Array, Float32Array];
  id.set([1, 2, 3, 4]);
  const part = sliceChunk(new ColumnChunk(4, { id, rating }), 1, 3) as ColumnChunk<{ id: number; rating: number }>;
  const transfer: ArrayBuffer[] = [];
  const wire = toWire(part, transfer, true);
  assert.equal(transfer.length, 2); // one copy a column
  assert.ok(!transfer.includes(id.buffer as ArrayBuffer));
  structuredClone(wire, { transfer });
  assert.deepEqual([...id], [1, 2, 3, 4]);
  const aliased = toWire(new ColumnChunk(4, { a: id, b: id }), [], true); // one column under two names: not a tiling
  assert.equal((aliased as { columns: Record<string, Int32Array> }).columns.a!.buffer === id.buffer, false);
});
