import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { type Chunk, ColumnChunk, csv, Dataset, range } from '../../src/index.js';
import { isValidCache } from '../../src/stages/cache.js';
import { tracked, type IdRow } from '../helpers/sources.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;
const fresh = (): string => path.join(dir, `c${files++}.arrow`);

/** Columnar rows { id: Int32, half: Float64 } with a fingerprint we control. */
function source(n: number, stamp = 'v1'): { ds: Dataset<IdRow>; opened: () => number } {
  const { ds, tracker } = tracked(n, { columnar: true, chunkSize: 1000 });
  const src = Object.assign(Object.create(null) as object, ds.source, { fingerprint: async () => stamp });
  return { ds: new Dataset(src as typeof ds.source), opened: () => tracker.opened };
}

const expected = (n: number): IdRow[] => Array.from({ length: n }, (_, i) => ({ id: i, half: i / 2 }));

describe('cache(path)', () => {
  test('the first epoch writes the file while streaming; later epochs read it', async () => {
    const file = fresh();
    const { ds, opened } = source(150_000);
    const cached = ds.cache(file);
    assert.deepEqual(await cached.toArray(), expected(150_000));
    assert.ok(fs.existsSync(file));
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('.tmp-')), [], 'no temporary file left');
    assert.deepEqual(await cached.toArray(), expected(150_000));
    assert.equal(opened(), 1, 'the upstream ran once');
    // Dtypes survive the round trip, and chunks are columnar.
    const chunks: Chunk<IdRow>[] = [];
    for await (const c of cached.chunks()) chunks.push(c);
    const c = chunks[0] as ColumnChunk;
    assert.ok(c.columns['id'] instanceof Int32Array && c.columns['half'] instanceof Float64Array);
  });

  test('a later run (a new Dataset, same fingerprint) reuses the file', async () => {
    const file = fresh();
    await source(5000).ds.cache(file).count();
    const again = source(5000);
    assert.deepEqual(await again.ds.cache(file).toArray(), expected(5000));
    assert.equal(again.opened(), 0);
  });

  test('a complete cache passes the full check a later process makes (footer totals, checksum)', async () => {
    const file = fresh();
    await source(100_000).ds.cache(file).count();
    // A copy has not been checked by this process: this is what a new run sees.
    const copy = fresh();
    fs.copyFileSync(file, copy);
    assert.equal(await isValidCache(copy, 'v1'), true);
    assert.equal(await isValidCache(fresh(), 'v1'), false, 'no file');
    const again = source(100_000);
    assert.deepEqual(await again.ds.cache(copy).toArray(), expected(100_000));
    assert.equal(again.opened(), 0);
  });

  test('a stale cache (other fingerprint) is rebuilt', async () => {
    const file = fresh();
    await source(3000, 'old').ds.cache(file).count();
    const now = source(4000, 'new');
    assert.deepEqual(await now.ds.cache(file).toArray(), expected(4000));
    assert.equal(now.opened(), 1);
    assert.equal(await isValidCache(file, 'new'), true);
  });

  test('a truncated cache is detected before anything is yielded, and rebuilt', async () => {
    const file = fresh();
    await source(100_000).ds.cache(file).count();
    const size = fs.statSync(file).size;
    fs.truncateSync(file, Math.floor(size * 0.6));
    assert.equal(await isValidCache(file, 'v1'), false);
    const next = source(100_000);
    assert.deepEqual(await next.ds.cache(file).toArray(), expected(100_000));
    assert.equal(next.opened(), 1);
    assert.equal(fs.statSync(file).size, size);
  });

  test('a corrupt cache (a flipped byte in the data) is detected and rebuilt', async () => {
    const file = fresh();
    await source(100_000).ds.cache(file).count();
    const bytes = fs.readFileSync(file);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0xff;
    fs.writeFileSync(file, bytes);
    assert.equal(await isValidCache(file, 'v1'), false);
    const next = source(100_000);
    assert.deepEqual(await next.ds.cache(file).toArray(), expected(100_000));
    assert.equal(next.opened(), 1);
  });

  test('garbage in place of the cache is rebuilt', async () => {
    const file = fresh();
    fs.writeFileSync(file, 'not arrow at all\n');
    assert.deepEqual(await source(10).ds.cache(file).toArray(), expected(10));
  });

  test('an epoch left early leaves no cache and no temporary file', async () => {
    const file = fresh();
    const { ds } = source(50_000);
    for await (const _ of ds.cache(file)) break;
    assert.equal(fs.existsSync(file), false);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
  });

  test('an upstream error leaves no cache and reaches the consumer', async () => {
    const file = fresh();
    const { ds } = tracked(10_000, { columnar: true, chunkSize: 500, failAt: 7000 });
    await assert.rejects(ds.cache(file).count(), /source failed at 7000/);
    assert.equal(fs.existsSync(file), false);
  });

  test('numeric records as objects are stored as columns (schema dtypes when known)', async () => {
    const file = fresh();
    const ds = range(100).map((i) => ({ a: i, b: i * 0.5 }));
    const cached = ds.cache(file, { fingerprint: 'objs' });
    assert.deepEqual(await cached.toArray(), await ds.toArray());
    assert.deepEqual(await cached.toArray(), await ds.toArray());
  });

  test('csv(path).cache(file): a changed CSV (size, mtime) makes the cache stale', async () => {
    const input = path.join(dir, 'in.csv');
    fs.writeFileSync(input, 'a,b\n1,2\n3,4\n');
    const file = fresh();
    const ds = csv(input).cache(file);
    assert.deepEqual(await ds.toArray(), [{ a: 1, b: 2 }, { a: 3, b: 4 }]);
    fs.writeFileSync(input, 'a,b\n1,2\n3,4\n5,6\n');
    assert.deepEqual(await ds.toArray(), [{ a: 1, b: 2 }, { a: 3, b: 4 }, { a: 5, b: 6 }]);
    // Other options, other data: also stale.
    assert.deepEqual(await csv(input, { columns: { b: 'int32' } }).cache(file).toArray(), [{ b: 2 }, { b: 4 }, { b: 6 }]);
  });

  test('non-numeric elements are refused with a hint', async () => {
    await assert.rejects(range(3).map(String).cache(fresh()).toArray(), /numeric records.*without a path/);
  });
});

describe('cache() in memory', () => {
  test('replays the first complete epoch; the upstream runs once', async () => {
    const { ds, opened } = source(70_000);
    const cached = ds.cache();
    assert.deepEqual(await cached.toArray(), expected(70_000));
    assert.deepEqual(await cached.toArray(), expected(70_000));
    assert.equal(opened(), 1);
  });

  test('an epoch left early is not kept', async () => {
    const { ds, opened } = source(10_000);
    const cached = ds.cache();
    for await (const _ of cached) break;
    assert.deepEqual(await cached.toArray(), expected(10_000));
    assert.equal(opened(), 2);
  });

  test('past maxBytes it gives up and reads the upstream each epoch', async () => {
    const { ds, opened } = source(100_000);
    const cached = ds.cache(undefined, { maxBytes: 100_000 });
    const warned = new Promise((resolve) => process.once('warning', resolve));
    assert.equal(await cached.count(), 100_000);
    assert.match(String(await warned), /larger than maxBytes/);
    assert.equal(await cached.count(), 100_000);
    assert.equal(opened(), 2);
  });

  test('replayed chunks survive a downstream mapParallel (views are copied, not moved)', async () => {
    const { ds } = source(9000);
    const cached = ds.cache();
    await cached.count();
    const sum = (rows: { id: number }[]): number => rows.reduce((a, r) => a + r.id, 0);
    const mapped = await cached.mapParallel((r: IdRow) => ({ id: r.id })).toArray();
    assert.equal(sum(mapped), (9000 * 8999) / 2);
    assert.deepEqual(await cached.toArray(), expected(9000));
  });

  test('arrays of any elements are kept too', async () => {
    const ds = range(10).map(String).cache();
    assert.deepEqual(await ds.toArray(), await ds.toArray());
  });
});
