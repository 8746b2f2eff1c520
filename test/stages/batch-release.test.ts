// ColumnBatch.release: released batches' memory serves later batches (batch's own copies, and
// the source's chunks through ChunkSource.recycle), and no batch that is not released ever
// changes, whatever the others do.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { BufferPool } from '../../src/buffer-pool.js';
import { type ColumnBatch, ColumnChunk } from '../../src/chunk.js';
import { csv, Dataset, range, shuffledCsv } from '../../src/index.js';
import { writeMovieLensFile } from '../helpers/movielens-file.js';

type Row = { id: number; twice: number };

/** A source of fresh chunks (ids 0…, random sizes) from a pool it takes them back into. */
function pooledSource(sizes: readonly number[]): { ds: Dataset<Row>; pool: BufferPool } {
  const pool = new BufferPool();
  const ds = new Dataset<Row>({
    size: sizes.reduce((a, b) => a + b, 0),
    freshChunks: true,
    recycle: (chunk) => pool.giveChunk(chunk),
    open: () =>
      (async function* () {
        let next = 0;
        for (const n of sizes) {
          const [id, twice] = pool.columns(['int32', 'float64'], n) as [Int32Array, Float64Array];
          for (let i = 0; i < n; i++, next++) [id[i], twice[i]] = [next, 2 * next];
          yield new ColumnChunk<Row>(n, { id, twice });
        }
        return undefined;
      })(),
  });
  return { ds, pool };
}

const idsOf = (b: ColumnBatch): number[] => Array.from(b.columns.id!);

/** Reads `ds`, releasing batch i unless keep(i); returns each batch's ids as read and the batches kept. */
async function readReleasing(ds: Dataset<ColumnBatch>, keep: (i: number) => boolean): Promise<{ seen: number[][]; kept: [number, ColumnBatch][] }> {
  const seen: number[][] = [];
  const kept: [number, ColumnBatch][] = [];
  for await (const b of ds) {
    seen.push(idsOf(b));
    assert.deepEqual(Array.from(b.columns.twice!), seen.at(-1)!.map((x) => 2 * x)); // rows stay whole
    if (keep(seen.length - 1)) kept.push([seen.length - 1, b]);
    else b.release?.();
  }
  return { seen, kept };
}

test('released batches never change the ones kept, the order is the same, and memory is reused', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 1, max: 32 }),
      fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
      fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }),
      async (sizes, size, buffer, keepPattern) => {
        const build = (ds: Dataset<Row>) => (buffer === undefined ? ds : ds.shuffle(buffer, { seed: 3 })).batch(size);
        const reference = (await build(pooledSource(sizes).ds).toArray()).map(idsOf);
        const { ds, pool } = pooledSource(sizes);
        const { seen, kept } = await readReleasing(build(ds), (i) => keepPattern[i % keepPattern.length]!);
        assert.deepEqual(seen, reference);
        for (const [i, b] of kept) assert.deepEqual(idsOf(b), reference[i], `kept batch ${i} changed`);
        if (kept.length === 0 && sizes.length >= 3 && new Set(sizes).size === 1) assert.ok(pool.counters.reused > 0, 'nothing reused');
      },
    ),
    { numRuns: 150, seed: 18 },
  );
});

test('batches of records (rows copied into the batch) reuse their own memory once released', async () => {
  const ds = range(100).map((i) => ({ id: i, twice: 2 * i })).batch(8);
  const { seen, kept } = await readReleasing(ds as Dataset<ColumnBatch>, (i) => i % 3 === 0);
  assert.deepEqual(seen.flat(), Array.from({ length: 100 }, (_, i) => i));
  for (const [i, b] of kept) assert.deepEqual(idsOf(b), seen[i]);
  const released = seen.length - kept.length;
  const again = await readReleasing(ds as Dataset<ColumnBatch>, () => false);
  assert.deepEqual(again.seen, seen); // a later epoch, read into the memory given back
  assert.ok(released > 0);
});

test('a released batch reads as empty once its memory is taken back; one not released is left as it is', async () => {
  const { ds } = pooledSource([8, 8, 8]);
  const batches: ColumnBatch[] = [];
  for await (const b of ds.batch(4)) batches.push(b);
  batches.slice(0, 2).forEach((b) => b.release?.()); // the first chunk's two views
  assert.equal(batches[0]!.columns.id!.length, 0);
  assert.equal(batches[1]!.columns.id!.length, 0);
  batches[2]!.release?.(); // one of the two views of the second chunk: it stays until both are released
  assert.deepEqual(idsOf(batches[3]!), [12, 13, 14, 15]);
  assert.equal(batches[2]!.columns.id!.length, 4);
});

function fixture(rows: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-release-'));
  return writeMovieLensFile(path.join(dir, 'ratings.csv'), { rows, seed: 5 });
}
const columns = { userId: 'int32', movieId: 'int32', rating: 'float32', timestamp: 'int32' } as const;

test('csv → shuffle → batch: releasing changes no row and no order, and chunks go back to the reader', async () => {
  const file = fixture(30_000);
  const make = () => csv(file, { columns }).shuffle(1000, { seed: 1 }).batch(1000);
  const plain = (await make().toArray()).map((b) => Array.from(b.columns.timestamp));
  const ds = make();
  const released: ColumnBatch[] = [];
  const seen: number[][] = [];
  for await (const b of ds) {
    seen.push(Array.from(b.columns.timestamp));
    b.release?.();
    released.push(b);
  }
  assert.deepEqual(seen, plain);
  // Every batch but those of the last chunks went back to the reader (detached on the way).
  assert.ok(released.filter((b) => b.columns.userId!.length === 0).length >= released.length - 8);
});

test('shuffledCsv (block shuffle, with and without a worker) → batch: the same rows in the same order, epoch after epoch, when released', async () => {
  const file = fixture(60_000);
  for (const workers of [0, 1]) {
    const make = () => shuffledCsv(file, { columns, workers, shuffle: { seed: 2, blockBytes: 64 << 10, openBlocks: 4 } }).batch(512);
    const plain = make();
    const ds = make();
    const released: ColumnBatch[] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      const expected = (await plain.toArray()).map((b) => Array.from(b.columns.timestamp));
      const seen: number[][] = [];
      for await (const b of ds) {
        seen.push(Array.from(b.columns.timestamp));
        b.release?.();
        released.push(b);
      }
      assert.deepEqual(seen, expected, `workers ${workers}, epoch ${epoch}`);
    }
    assert.ok(released.filter((b) => b.columns.userId!.length === 0).length > released.length / 2, `workers ${workers}: little memory went back`);
  }
});

test('batches in an in-memory cache are kept from release: every epoch replays them whole', async () => {
  const { ds } = pooledSource([8, 8, 8]);
  const cached = ds.batch(4).cache();
  const epochs: number[][][] = [];
  for (let e = 0; e < 3; e++) epochs.push((await readReleasing(cached, () => false)).seen);
  assert.deepEqual(epochs[1], epochs[0]);
  assert.deepEqual(epochs[2], epochs[0]);
  assert.equal(epochs[0]!.flat().length, 24);
});

test('the cache keeps every batch it holds from release, also after a non-batch element and inside tuples (zip)', async () => {
  const { ds } = pooledSource([8, 8, 8, 8]);
  const mixed = ds
    .batch(8)
    .map((b, i) => (i === 0 ? { size: b.size, columns: { id: Int32Array.from(b.columns.id), twice: Float64Array.from(b.columns.twice) } } : b))
    .cache();
  const first = (await readReleasing(mixed as Dataset<ColumnBatch>, () => false)).seen;
  assert.deepEqual((await readReleasing(mixed as Dataset<ColumnBatch>, () => false)).seen, first);
  const zipped = pooledSource([8, 8, 8]).ds.batch(4).zip(pooledSource([8, 8, 8]).ds.batch(4)).cache();
  const ids = async (): Promise<number[]> => {
    const out: number[] = [];
    for await (const [a, b] of zipped) {
      out.push(...idsOf(a), ...idsOf(b));
      a.release?.();
      b.release?.();
    }
    return out;
  };
  const once = await ids();
  assert.equal(once.length, 48);
  assert.deepEqual(await ids(), once);
});
