import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ColumnChunk, Dataset, fromIterable, range } from '../../src/index.js';
import { tracked } from '../helpers/sources.js';

test('numeric records become columnar batches; float64 when the schema is unknown', async () => {
  const rows = Array.from({ length: 5 }, (_, i) => ({ userId: i, rating: i / 2 }));
  const batches = await fromIterable(rows).batch(2).toArray();
  assert.deepEqual(batches.map((b) => b.size), [2, 2, 1]);
  for (const b of batches) assert.ok(b.columns.userId instanceof Float64Array && b.columns.rating instanceof Float64Array);
  assert.deepEqual(batches.map((b) => [...b.columns.userId]), [[0, 1], [2, 3], [4]]);
  assert.deepEqual(batches.map((b) => [...b.columns.rating]), [[0, 0.5], [1, 1.5], [2]]);
});

test('the schema picks the dtype of each column', async () => {
  const ds = new Dataset<{ u: number; r: number }>({
    size: 3,
    schema: { u: 'int32', r: 'float32' },
    open: fromIterable([{ u: 1, r: 0.5 }, { u: 2, r: 1.5 }, { u: 3, r: 2.5 }]).source.open,
  });
  const [b] = await ds.batch(3).toArray();
  assert.ok(b!.columns.u instanceof Int32Array);
  assert.ok(b!.columns.r instanceof Float32Array);
  assert.deepEqual([...b!.columns.r], [0.5, 1.5, 2.5]);
});

test('columnar chunks batch across chunk boundaries, keeping dtypes', async () => {
  const { ds } = tracked(23, { chunkSize: 5, columnar: true });
  const batches = await ds.batch(4).toArray();
  assert.deepEqual(batches.map((b) => b.size), [4, 4, 4, 4, 4, 3]);
  for (const b of batches) assert.ok(b.columns.id instanceof Int32Array && b.columns.id.length === b.size);
  const ids = batches.flatMap((b) => [...b.columns.id]);
  assert.deepEqual(ids, Array.from({ length: 23 }, (_, i) => i));
  assert.deepEqual(batches.flatMap((b) => [...b.columns.half]), ids.map((i) => i / 2));
});

test('dropRemainder drops the short last batch; size follows', async () => {
  assert.equal(range(10).batch(4).size, 3);
  assert.equal(range(10).batch(4, { dropRemainder: true }).size, 2);
  assert.deepEqual(await range(10).batch(4, { dropRemainder: true }).toArray(), [[0, 1, 2, 3], [4, 5, 6, 7]]);
});

test('anything else becomes arrays: numbers, strings, arrays, records with strings', async () => {
  assert.deepEqual(await range(3).batch(2).toArray(), [[0, 1], [2]]);
  assert.deepEqual(await fromIterable(['a', 'b']).batch(2).toArray(), [['a', 'b']]);
  assert.deepEqual(await fromIterable([[1], [2]]).batch(5).toArray(), [[[1], [2]]]);
  assert.deepEqual(await fromIterable([{ a: 'x' }]).batch(5).toArray(), [[{ a: 'x' }]]);
});

test('a record missing a numeric field later on is an error naming the element', async () => {
  const rows: { a: number; b?: number }[] = [{ a: 1, b: 2 }, { a: 3 }];
  await assert.rejects(fromIterable(rows).batch(2).toArray(), /batch: field 'b' is undefined.*at element 1/);
});

test('batching columnar chunks is a view when a whole batch sits in one chunk', async () => {
  const id = Int32Array.from({ length: 8 }, (_, i) => i);
  const direct = new Dataset<{ id: number }>({
    size: 8,
    open: async function* () {
      yield new ColumnChunk<{ id: number }>(8, { id });
      return undefined;
    },
  });
  const batches = await direct.batch(4).toArray();
  assert.equal(batches.length, 2);
  const [a, b] = batches;
  assert.equal(a!.columns.id.buffer, id.buffer, 'a view of the chunk, not a copy');
  assert.equal(b!.columns.id.buffer, id.buffer);
  assert.deepEqual([[...a!.columns.id], [...b!.columns.id]], [[0, 1, 2, 3], [4, 5, 6, 7]]);
});
