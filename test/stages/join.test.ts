// join: content and order, determinism, a missing key (error with context, or a counted
// fill), the table as typed arrays or as a dataset read once, early exit, abort, options.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { csv, OptionError, StageError } from '../../src/index.js';
import { tracked, unhandledDuring } from '../helpers/sources.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-join-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const table = { id: Int32Array.from([4, 0, 2, 1, 3]), year: Int32Array.from([2004, 2000, 2002, 2001, 2003]), score: Float32Array.from([0.4, 0, 0.2, 0.1, 0.3]) };

test('adds the table columns matched on the key, in the dataset order, typed', async () => {
  const { ds } = tracked(5, { columnar: true, chunkSize: 2 });
  const rows = await ds.join(table, { on: 'id', columns: ['year', 'score'] }).toArray();
  assert.deepEqual(rows.map((r) => [r.id, r.year, r.score]), [[0, 2000, 0], [1, 2001, Math.fround(0.1)], [2, 2002, Math.fround(0.2)], [3, 2003, Math.fround(0.3)], [4, 2004, Math.fround(0.4)]]);
  const [b] = await ds.join(table, { on: 'id', columns: ['year'] }).batch(5).toArray();
  assert.ok(b!.columns.year instanceof Int32Array);
  assert.deepEqual(await ds.join(table, { on: 'id', columns: ['year'] }).toArray(), await ds.join(table, { on: 'id', columns: ['year'] }).toArray());
});

test('a key missing from the table: a StageError naming key and element, or a counted fill', async () => {
  const { ds } = tracked(8, { columnar: true, chunkSize: 3 });
  await assert.rejects(ds.join(table, { on: 'id', columns: ['year'] }).toArray(), (e: unknown) => e instanceof StageError && /join: key id=5 is not in the table at element 5/.test(e.message));
  const stats = { missing: 0 };
  const rows = await ds.join(table, { on: 'id', columns: ['year'], missing: { fill: -1 }, stats }).toArray();
  assert.deepEqual(rows.map((r) => r.year), [2000, 2001, 2002, 2003, 2004, -1, -1, -1]);
  assert.equal(stats.missing, 3);
  await ds.join(table, { on: 'id', columns: ['year'], missing: { fill: -1 }, stats }).take(2).toArray();
  assert.equal(stats.missing, 0, 'counted per epoch');
});

test('the table may be a dataset (a csv side table), read once', async () => {
  const f = join(dir, 'movies.csv');
  writeFileSync(f, 'movieId,title,genres\n10,"Toy Story (1995)",Adventure|Animation\n20,"Heat, (1995)",Action\n30,X,Adventure|Animation\n');
  const movies = csv(f, { columns: { movieId: 'int32', genres: 'category' } });
  const r = join(dir, 'ratings.csv');
  writeFileSync(r, 'userId,movieId,rating\n1,20,4\n2,10,3.5\n1,30,5\n');
  const ratings = csv(r, { columns: { userId: 'int32', movieId: 'int32', rating: 'float32' } });
  const joined = ratings.join(movies, { on: 'movieId', columns: ['genres'] });
  for (let e = 0; e < 2; e++) assert.deepEqual((await joined.toArray()).map((x) => x.genres), [1, 0, 0]);
  assert.deepEqual(movies.vocabularies.genres.words, ['Adventure|Animation', 'Action']);
});

test('break closes the source; a source error reaches the consumer; abort ends the epoch', async () => {
  const big = { id: Int32Array.from({ length: 1000 }, (_, i) => i), v: new Float64Array(1000) };
  const a = tracked(1000, { columnar: true, chunkSize: 10 });
  for await (const _ of a.ds.join(big, { on: 'id', columns: ['v'] })) break;
  assert.equal(a.tracker.closed, 1);
  assert.equal(a.tracker.pulled, 10);
  const b = tracked(100, { columnar: true, chunkSize: 10, failAt: 33 });
  const unhandled = await unhandledDuring(async () => {
    await assert.rejects(b.ds.join(big, { on: 'id', columns: ['v'] }).toArray(), /source failed at 33/);
  });
  assert.deepEqual(unhandled, []);
  const c = tracked(1000, { columnar: true, chunkSize: 10 });
  const ac = new AbortController();
  const it = c.ds.join(big, { on: 'id', columns: ['v'] }).withAbort(ac.signal)[Symbol.asyncIterator]();
  await it.next();
  ac.abort(new Error('stop'));
  await assert.rejects(async () => {
    for (;;) if ((await it.next()).done) break;
  });
  assert.equal(c.tracker.closed, 1);
});

test('options are checked when the pipeline is built', () => {
  const { ds } = tracked(5, { columnar: true });
  assert.throws(() => ds.join(table, { on: 'id', columns: ['year'], misssing: 'error' } as never), (e: unknown) => e instanceof OptionError && /unknown option 'misssing' \(did you mean 'missing'\?\)/.test(e.message));
  assert.throws(() => ds.join(table, { on: 'id', columns: ['nope' as 'year'] }), /the table has no column 'nope' of numbers/);
  assert.throws(() => ds.join(table, { on: 'id', columns: [] }), /columns must name at least one column/);
  assert.throws(() => ds.join(table, { on: 'id', columns: ['year'], missing: 'skip' as never }), /missing must be 'error' or \{ fill: number \}/);
  assert.throws(() => ds.join({ id: Int32Array.of(1, 1), year: Int32Array.of(1, 2) }, { on: 'id', columns: ['year'] }), /key 1 appears twice/);
  // @ts-expect-error not a column of the table
  void (() => ds.join(table, { on: 'id', columns: ['yeer'] }));
});
