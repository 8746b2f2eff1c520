// mapColumns, select, rename, withColumn, filterRows: content and order, determinism,
// early exit, abort, errors with context, their bound (one chunk in, at most one out),
// options checked when the pipeline is built.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ColumnChunk, type Dataset, Dataset as DatasetClass, fromIterable, OptionError, StageError } from '../../src/index.js';
import { type IdRow, tracked, unhandledDuring } from '../helpers/sources.js';

type Stage = (ds: Dataset<IdRow>) => Dataset<object, unknown>;
const stages: Record<string, Stage> = {
  mapColumns: (ds) => ds.mapColumns((c) => ({ id: c.id, twice: c.half.map((h) => h * 2) })),
  select: (ds) => ds.select('half'),
  rename: (ds) => ds.rename({ id: 'row' }),
  withColumn: (ds) => ds.withColumn('neg', (c) => c.id.map((x) => -x)),
  filterRows: (ds) => ds.filterRows((c) => c.id.map((x) => (x % 3 === 0 ? 1 : 0))),
};

describe('column stages', () => {
  for (const [name, build] of Object.entries(stages)) {
    test(`${name}: columnar out, same order, deterministic`, async () => {
      const a = await build(tracked(50, { columnar: true, chunkSize: 8 }).ds).toArray();
      const b = await build(tracked(50, { columnar: true, chunkSize: 8 }).ds).toArray();
      assert.deepEqual(a, b);
      for await (const chunk of build(tracked(20, { columnar: true }).ds).chunks()) assert.ok(chunk instanceof ColumnChunk, 'stays columnar');
    });

    test(`${name}: break closes the source; never more than one chunk pulled ahead`, async () => {
      const { ds, tracker } = tracked(1000, { columnar: true, chunkSize: 10 });
      let seen = 0;
      for await (const _ of build(ds)) if (++seen === 3) break;
      assert.equal(tracker.pulled, 10, 'the three rows come from the first chunk: nothing more is read');
      assert.equal(tracker.closed, 1);
    });

    test(`${name}: a source error reaches the consumer, nothing unhandled`, async () => {
      const { ds, tracker } = tracked(100, { columnar: true, chunkSize: 10, failAt: 55 });
      const unhandled = await unhandledDuring(async () => {
        await assert.rejects(build(ds).toArray(), /source failed at 55/);
      });
      assert.deepEqual(unhandled, []);
      assert.equal(tracker.closed, tracker.opened);
    });

    test(`${name}: withAbort ends the epoch and closes the source`, async () => {
      const { ds, tracker } = tracked(1000, { columnar: true, chunkSize: 10 });
      const ac = new AbortController();
      const it = build(ds).withAbort(ac.signal)[Symbol.asyncIterator]();
      await it.next();
      ac.abort(new Error('stop'));
      await assert.rejects(async () => {
        for (;;) if ((await it.next()).done) break;
      });
      assert.equal(tracker.closed, 1);
    });
  }
});

test('mapColumns: the function sees exact-size columns, its index, and passes columns on uncopied', async () => {
  const calls: [number, number][] = [];
  let passed = 0;
  const { ds } = tracked(25, { columnar: true, chunkSize: 10 });
  const out = ds.mapColumns((c, size, index) => {
    calls.push([size, index]);
    assert.equal(c.id.length, size);
    return c;
  });
  for await (const chunk of out.chunks()) if (chunk instanceof ColumnChunk) passed += chunk.size;
  assert.deepEqual(calls, [[10, 0], [10, 10], [5, 20]]);
  assert.equal(passed, 25);
  assert.equal(out.size, 25);
});

test('mapColumns: values, and records from map are columnised first', async () => {
  const rows = await fromIterable(() => [{ a: 1, b: 10 }, { a: 2, b: 20 }, { a: 3, b: 30 }])
    .mapColumns((c, size) => {
      const s = new Float64Array(size);
      for (let i = 0; i < size; i++) s[i] = c.a[i]! + c.b[i]!;
      return { s };
    })
    .toArray();
  assert.deepEqual(rows, [{ s: 11 }, { s: 22 }, { s: 33 }]);
});

test('mapColumns: the batch and its dtypes follow what the function returns', async () => {
  const [b] = await tracked(4, { columnar: true }).ds.mapColumns((c) => ({ id: c.id, f: Float32Array.from(c.half) })).batch(4).toArray();
  assert.ok(b!.columns.id instanceof Int32Array);
  assert.ok(b!.columns.f instanceof Float32Array);
  assert.deepEqual([...b!.columns.f], [0, 0.5, 1, 1.5]);
});

test('mapColumns: errors name the stage, the first row of the chunk and the column', async () => {
  const { ds } = tracked(30, { columnar: true, chunkSize: 10 });
  const thrown = ds.mapColumns((c, _s, index) => {
    if (index === 10) throw new TypeError('bad chunk');
    return c;
  });
  await assert.rejects(thrown.toArray(), (e: unknown) => e instanceof StageError && /mapColumns: bad chunk at element 10/.test(e.message) && e.cause instanceof TypeError);
  const short = tracked(30, { columnar: true, chunkSize: 10 }).ds.mapColumns((c) => ({ id: c.id.subarray(1) }));
  await assert.rejects(short.toArray(), /mapColumns: column 'id' holds 9 values for a chunk of 10 rows at element 0/);
  const wrong = tracked(30, { columnar: true }).ds.mapColumns((c) => ({ id: [...c.id] }) as never);
  await assert.rejects(wrong.toArray(), /column 'id' is an array, not an Int32Array/);
  const strings = fromIterable(() => [{ a: 'x' }]).mapColumns((c) => c as never);
  await assert.rejects(strings.toArray(), /mapColumns: field 'a' is "x", not a number at element 0/);
});

test('options are checked when the pipeline is built, with the nearest column name', async () => {
  const { csv } = await import('../../src/index.js');
  const ds = csv('never-read.csv', { columns: { userId: 'int32', rating: 'float32' } });
  assert.throws(() => ds.select('userID' as 'userId'), (e: unknown) => e instanceof OptionError && /select: no column 'userID' \(did you mean 'userId'\?\)/.test(e.message));
  assert.throws(() => ds.rename({ ratin: 'r' } as never), /rename: no column 'ratin' \(did you mean 'rating'\?\)/);
  assert.throws(() => ds.rename({ rating: '' }), /rename: the new name of 'rating' must be a non-empty string/);
  assert.throws(() => ds.select(), /select: name at least one column/);
  assert.throws(() => ds.select('userId', 'userId'), /named twice/);
  assert.throws(() => ds.mapColumns(42 as never), /mapColumns: fn must be a function, got 42/);
  assert.throws(() => ds.withColumn('', (c) => c.rating), /withColumn: name must be a non-empty string/);
  assert.throws(() => ds.filterRows(null as never), /filterRows: mask must be a function/);
});

test('select, rename, withColumn give the expected columns in order', async () => {
  const { ds } = tracked(3, { columnar: true });
  assert.deepEqual(await ds.select('half', 'id').toArray(), [{ half: 0, id: 0 }, { half: 0.5, id: 1 }, { half: 1, id: 2 }]);
  assert.deepEqual(await ds.rename({ id: 'row' }).toArray(), [{ row: 0, half: 0 }, { row: 1, half: 0.5 }, { row: 2, half: 1 }]);
  assert.deepEqual(await ds.withColumn('id', (c) => c.id.map((x) => x * 10)).toArray(), [{ id: 0, half: 0 }, { id: 10, half: 0.5 }, { id: 20, half: 1 }]);
  await assert.rejects(ds.rename({ id: 'half' }).toArray(), /rename: two columns would be named 'half'/);
});

test('filterRows keeps exactly the masked rows, in order, across chunk sizes (property)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 17 }), fc.integer({ min: 1, max: 5 }), async (n, chunkSize, k) => {
      const { ds } = tracked(n, { columnar: true, chunkSize });
      const got = (await ds.filterRows((c) => c.id.map((x) => (x % k === 0 ? 1 : 0))).toArray()).map((r) => r.id);
      const want = Array.from({ length: n }, (_, i) => i).filter((i) => i % k === 0);
      assert.deepEqual(got, want);
    }),
    { numRuns: 60 },
  );
  const { ds } = tracked(10, { columnar: true });
  assert.equal(ds.filterRows((c) => c.id.map(() => 1)).size, undefined);
  await assert.rejects(ds.filterRows(() => new Uint8Array(2)).toArray(), /filterRows: the mask must be a typed array or boolean array of the chunk's 7 rows, got an object of 2 at element 0/);
  assert.deepEqual((await ds.filterRows((c) => [...c.id].map((x) => x === 8)).toArray()).map((r) => r.id), [8]);
});

describe('mapColumns keeps a fresh pipeline fresh (the shuffle after it swaps in place)', () => {
  /** A columnar source whose chunks are fresh (as csv()'s): ids 0 … n-1, `chunkSize` a chunk. */
  const freshSource = (n: number, chunkSize: number): Dataset<{ id: number }> =>
    new DatasetClass<{ id: number }>({
      size: n,
      freshChunks: true,
      async *open() {
        for (let s = 0; s < n; s += chunkSize) yield new ColumnChunk<{ id: number }>(Math.min(chunkSize, n - s), { id: Int32Array.from({ length: Math.min(chunkSize, n - s) }, (_, i) => s + i) });
        return undefined;
      },
    });

  test('fresh in, fresh out; not fresh in, not fresh out', () => {
    assert.equal(freshSource(10, 4).mapColumns((c) => c).source.freshChunks, true);
    assert.equal(fromIterable([{ id: 1 }]).mapColumns((c) => c).source.freshChunks, false);
  });

  test('an array the function keeps and returns again, and a column returned under two names, are copied: the shuffle never writes into them', async () => {
    const kept = new Float32Array(16).fill(7); // returned for every chunk
    const ds = freshSource(1000, 16)
      .mapColumns((c, size) => ({ id: c.id, again: c.id, seven: kept.subarray(0, size) }))
      .shuffle(100, { seed: 3 });
    const rows = await ds.toArray();
    assert.deepEqual(rows.map((r) => r.id).sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i), 'every row once');
    assert.ok(rows.every((r) => r.again === r.id && r.seven === 7), 'each row kept its own values');
    assert.deepEqual(Array.from(kept), new Array(16).fill(7), 'the kept array was not written into');
    assert.notDeepEqual(rows.map((r) => r.id), Array.from({ length: 1000 }, (_, i) => i), 'shuffled');
  });
});
