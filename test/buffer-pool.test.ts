// BufferPool and ChunkLease: memory given back is reused, detached first, and only what the
// pool handed out comes back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferPool, ChunkLease, releasable } from '../src/buffer-pool.js';
import { ColumnChunk } from '../src/chunk.js';
import { ColumnSlots } from '../src/shuffle/columns.js';

test('a buffer given back is reused for the next take of its size, and its old views read as empty', () => {
  const pool = new BufferPool();
  const [ids, ratings] = pool.columns(['int32', 'float32'], 8);
  ids!.fill(7);
  pool.giveColumns([ids!, ratings!]);
  assert.equal(ids!.length, 0); // detached: a view kept by mistake reads nothing
  assert.equal(ratings!.length, 0);
  const [again] = pool.columns(['int32', 'float32'], 8);
  assert.deepEqual(pool.counters, { fresh: 1, reused: 1 });
  assert.equal(again!.length, 8);
  assert.equal(again![0], 7); // the same memory (contents left as they were: written before read)
  pool.column('int32', 3); // another size: fresh
  assert.deepEqual(pool.counters, { fresh: 2, reused: 1 });
});

test('buffers the pool did not hand out, and buffers given twice, are ignored', () => {
  const pool = new BufferPool();
  const foreign = new Int32Array(4);
  pool.giveColumns([foreign]);
  assert.equal(foreign.length, 4); // untouched
  const mine = pool.column('float64', 4);
  pool.giveChunk(new ColumnChunk(4, { x: mine }));
  pool.giveChunk(new ColumnChunk(4, { x: mine })); // detached, and no longer out
  pool.giveChunk([1, 2, 3]); // rows: ignored
  pool.column('float64', 4);
  pool.column('float64', 4);
  assert.deepEqual(pool.counters, { fresh: 2, reused: 1 });
});

test('columns of one buffer are aligned (8-byte columns first) and disjoint', () => {
  const pool = new BufferPool();
  const [a, b, c] = pool.columns(['int32', 'float64', 'float32'], 5);
  assert.ok(a instanceof Int32Array && b instanceof Float64Array && c instanceof Float32Array);
  assert.equal(b.byteOffset, 0);
  assert.equal(a.buffer, b.buffer);
  a.fill(1);
  b.fill(2);
  c.fill(3);
  assert.deepEqual([...a, ...b, ...c], [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
});

test('a pool keeps at most 64 buffers of one size', () => {
  const pool = new BufferPool();
  const taken = Array.from({ length: 70 }, () => pool.column('int32', 2));
  pool.giveColumns(taken);
  for (let i = 0; i < 70; i++) pool.column('int32', 2);
  assert.deepEqual(pool.counters, { fresh: 76, reused: 64 });
});

test('a lease gives the chunk back once, after the reader is done and every holder let go', () => {
  const back: string[] = [];
  const lease = new ChunkLease<string>('chunk', (c) => back.push(c));
  const first = lease.hold();
  const second = lease.hold();
  first();
  assert.deepEqual([...back], []);
  lease.end();
  assert.deepEqual([...back], []); // the second holder still views it
  second();
  assert.deepEqual([...back], ['chunk']);
  const idle = new ChunkLease<string>('copied', (c) => back.push(c));
  idle.end(); // no holder: back at once
  assert.deepEqual([...back], ['chunk', 'copied']);
  const none = new ChunkLease('x', undefined);
  none.hold()(); // no source to give back to: nothing happens
  none.end();
});

test('release is not enumerable and runs once', () => {
  let calls = 0;
  const batch = releasable({ size: 1, columns: { a: new Int32Array(1) } }, () => calls++);
  assert.deepEqual(Object.keys(batch), ['size', 'columns']);
  assert.deepEqual(structuredClone(batch), { size: 1, columns: { a: new Int32Array(1) } });
  const release = (batch as { release?: () => void }).release!;
  release();
  release();
  assert.equal(calls, 1);
});

test('a pool keeps at most 16 MiB in all, whatever the sizes given back', () => {
  const pool = new BufferPool();
  const taken = Array.from({ length: 40 }, (_, i) => pool.column('int32', (1 << 18) + i)); // 1 MiB and a little, 40 sizes
  pool.giveColumns(taken);
  for (let i = 0; i < 40; i++) pool.column('int32', (1 << 18) + i);
  assert.equal(pool.counters.reused, 15); // 15 × ~1 MiB fit under 16 MiB
});

test('a block shuffle output chunk of any size comes from a full-chunk buffer, so all sizes reuse one another', () => {
  const pool = new BufferPool();
  const slots = new ColumnSlots({ names: ['a', 'b'], dtypes: ['int32', 'float32'] }, 0);
  const first = slots.outputs(5, pool);
  assert.deepEqual(first.map((c) => c.length), [5, 5]);
  pool.giveColumns(first);
  slots.outputs(4096, pool);
  slots.outputs(7, pool);
  assert.deepEqual(pool.counters, { fresh: 2, reused: 1 });
});
