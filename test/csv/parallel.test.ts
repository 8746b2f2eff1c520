import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ColumnChunk, csv, DataError } from '../../src/index.js';
import { csvParallel, splitRanges } from '../../src/csv/parallel.js';
import { ratingsText } from '../helpers/ratings-text.js';
import { tempFiles } from '../helpers/temp-files.js';

const { file: writeCsv } = tempFiles('sluice-');

const columns = { userId: 'int32', movieId: 'int32', rating: 'float32' } as const;

describe('csvParallel', () => {
  test('splitRanges covers the file with no gap or overlap', () => {
    assert.deepEqual(splitRanges(10, 4), [[0, 4], [4, 8], [8, 10]]);
    assert.deepEqual(splitRanges(0, 4), [[0, 0]]);
    // The first ranges ramp up to rangeBytes, so that the first rows come early.
    const mib = 1 << 20;
    assert.deepEqual(splitRanges(20 * mib, 8 * mib).map(([s, e]) => (e - s) / mib), [0.5, 1, 2, 4, 8, 4.5]);
  });

  test('the same rows as csv(), in file order, as columnar chunks', async () => {
    const file = writeCsv(ratingsText(30_000));
    const ds = csvParallel(file, { workers: 2, rangeBytes: 64 << 10, columns });
    const expected = await csv(file, { columns }).toArray();
    assert.deepEqual(await ds.toArray(), expected);
    assert.equal(ds.size, 30_000);
    for await (const c of ds.chunks()) assert.ok(c instanceof ColumnChunk && c.columns['rating'] instanceof Float32Array);
  });

  test('dtypes inferred once in the main thread: every range gets the same schema', async () => {
    // b has fractions at the start and looks like integers later: per-range inference would disagree.
    let text = 'a,b\n';
    for (let i = 0; i < 2000; i++) text += `${i},${i < 1000 ? 3.5 : 4}\n`;
    const file = writeCsv(text);
    const ds = csvParallel(file, { rangeBytes: 1000 });
    const rows = await ds.toArray();
    assert.deepEqual(rows, await csv(file).toArray());
    assert.deepEqual(ds.schema, { a: 'int32', b: 'float64' });
  });

  test('property: any range size, 1 or 2 workers, either order — every row exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: 0, max: 99 })), { maxLength: 60 }),
        fc.integer({ min: 1, max: 300 }),
        fc.constantFrom(1, 2),
        fc.constantFrom('file' as const, 'interleave' as const),
        fc.boolean(),
        async (rows, rangeBytes, workers, order, crlf) => {
          const eol = crlf ? '\r\n' : '\n';
          const file = writeCsv(`x,y${eol}${rows.map(([x, y]) => `${x},${y}`).join(eol)}${rows.length > 0 ? eol : ''}`);
          const got = await csvParallel<{ x: number; y: number }>(file, { workers, rangeBytes, order, columns: { x: 'int32', y: 'int32' } }).toArray();
          const want = rows.map(([x, y]) => ({ x, y }));
          if (order === 'file') assert.deepEqual(got, want);
          else {
            const key = (r: { x: number; y: number }): string => `${r.x},${r.y}`;
            assert.deepEqual(got.map(key).sort(), want.map(key).sort());
          }
        },
      ),
      { numRuns: 8, seed: 7 },
    );
  });

  test('interleave mixes ranges deterministically', async () => {
    const file = writeCsv(ratingsText(20_000));
    const ds = csvParallel<{ userId: number }>(file, { workers: 2, rangeBytes: 32 << 10, order: 'interleave', columns, chunkRows: 1000 });
    const a = (await ds.toArray()).map((r) => r.userId);
    assert.deepEqual((await ds.toArray()).map((r) => r.userId), a);
    assert.notDeepEqual(a, [...a].sort((x, y) => x - y));
    assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 20_000 }, (_, i) => i));
  });

  test('a bad row rejects the consumer with the file, line and raw text; skip counts past it', async () => {
    const file = writeCsv('a,b\n1,2\n3,x\n5,6\n');
    const err = await csvParallel(file, { columns: { a: 'int32', b: 'int32' } }).toArray().then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof DataError, String(err));
    assert.equal(err.line, 3);
    assert.equal(err.column, 'b');
    assert.match(err.message, /t\d+\.csv:3/);
    assert.match(err.message, /"3,x"/);
    assert.deepEqual(await csvParallel(file, { columns: { a: 'int32', b: 'int32' }, onBadRow: 'skip' }).toArray(), [
      { a: 1, b: 2 },
      { a: 5, b: 6 },
    ]);
  });

  test('ranges denser than the file\'s start overflow their arena into memory of their own, rows intact', async () => {
    // Arenas are sized from the first 256 KiB: long rows there, then short ones (~10× denser).
    const long = Array.from({ length: 6000 }, (_, i) => `${i},${i % 97}.${'0'.repeat(40)}`);
    const short = Array.from({ length: 150_000 }, (_, i) => `${6000 + i},${i % 97}`);
    const file = writeCsv('x,y\n' + [...long, ...short].join('\n') + '\n');
    const want = await csv<{ x: number; y: number }>(file, { columns: { x: 'int32', y: 'float64' } }).toArray();
    for (const workers of [1, 2]) {
      const got = await csvParallel<{ x: number; y: number }>(file, { workers, rangeBytes: 1 << 20, columns: { x: 'int32', y: 'float64' } }).toArray();
      assert.deepEqual(got, want, `workers ${workers}`);
    }
  });

  test('options are checked when the pipeline is built', () => {
    assert.throws(() => csvParallel('x.csv', { workers: 0 }), /workers must be an integer >= 1/);
    assert.throws(() => csvParallel('x.csv', { order: 'random' as 'file' }), /order must be 'file' or 'interleave'/);
    assert.throws(() => csvParallel('x.csv', { onBadRow: (() => undefined) as unknown as 'skip' }), /callback cannot run in a worker/);
  });
});
