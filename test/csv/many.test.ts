import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkLength } from '../../src/chunk.js';
import { csv } from '../../src/csv/reader.js';
import { globRegex } from '../../src/io/listing.js';
import { hasS3rver, ids, idRows, startS3, type S3Server } from '../helpers/s3-server.js';

const skip = (await hasS3rver()) ? false : 's3rver is not installed (npm install)';
let dir: string;
let s3: S3Server | undefined;
// 3 days × 2 parts of 100 ids each; ids 0..599 in name order.
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-many-'));
  for (let d = 0; d < 3; d++) {
    mkdirSync(join(dir, 'data', `day-${d}`), { recursive: true });
    for (let p = 0; p < 2; p++) writeFileSync(join(dir, 'data', `day-${d}`, `part-${p}.csv`), idRows(100, (2 * d + p) * 100));
    writeFileSync(join(dir, 'data', `day-${d}`, '_SUCCESS'), '');
  }
  mkdirSync(join(dir, 'flat'));
  for (let p = 0; p < 3; p++) writeFileSync(join(dir, 'flat', `part-${p}.csv`), idRows(50, p * 50));
  if (skip === false) {
    s3 = await startS3();
    for (let p = 0; p < 3; p++) await s3.put(`flat/part-${p}.csv`, idRows(50, p * 50));
  }
});
after(async () => {
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const columns = { id: 'int32', a: 'int32', b: 'float64' } as const;

describe('csv() over many files', () => {
  it('a list, a directory and a glob are one dataset in name order; stats add up', async () => {
    const flat = join(dir, 'flat');
    const list = csv([0, 1, 2].map((p) => join(flat, `part-${p}.csv`)), { columns });
    assert.deepEqual(await ids(list), range(150));
    assert.deepEqual(list.stats.rows, 150);
    assert.equal(list.stats.complete, true);
    assert.deepEqual(await ids(csv(flat, { columns })), range(150));
    assert.deepEqual(await ids(csv(join(flat, 'part-?.csv'), { columns })), range(150));
    assert.deepEqual(await ids(csv<{ id: number }>(join(flat, 'part-*.csv'))), range(150)); // dtypes inferred from the first file
  });

  it('globs across folders: data/day-*/part-*.csv and data/**/part-1.csv', async () => {
    assert.deepEqual(await ids(csv(join(dir, 'data', 'day-*', 'part-*.csv'), { columns })), range(600));
    const ones = await ids(csv(join(dir, 'data', '**', 'part-1.csv'), { columns }));
    assert.deepEqual(ones, [1, 3, 5].flatMap((k) => range(100).map((i) => k * 100 + i)));
    assert.equal(globRegex('a/**/b.csv').test('a/b.csv'), true);
    assert.equal(globRegex('a/**/b.csv').test('a/x/y/b.csv'), true);
    assert.equal(globRegex('a/*/b.csv').test('a/x/y/b.csv'), false);
    assert.equal(globRegex('a/*.csv').test('a/x.csv.gz'), false);
  });

  it('the first file settles the dtypes for all; a file whose header differs is an error naming it', async () => {
    const mixed = join(dir, 'mixed');
    mkdirSync(mixed);
    writeFileSync(join(mixed, 'a.csv'), 'x,y\n1,2\n3,4\n');
    writeFileSync(join(mixed, 'b.csv'), 'x,y\n5,6.5\n');
    const ds = csv(mixed);
    await assert.rejects(ds.toArray(), (e: Error) => /b\.csv/.test(e.message) && /6\.5/.test(e.message)); // int32 settled by a.csv
    writeFileSync(join(mixed, 'b.csv'), 'x,z\n5,6\n');
    await assert.rejects(csv(mixed).toArray(), /'[^']*b\.csv': its header \(x, z\) differs from '[^']*a\.csv' \(x, y\)/);
    assert.throws(() => csv([]), /non-empty array/);
    await assert.rejects(csv(join(dir, 'nothing-*.csv')).toArray(), /no files match/);
  });

  it('chunks are whole per file and the epoch is re-iterable', async () => {
    const ds = csv(join(dir, 'flat'), { columns, chunkRows: 64 });
    for (let e = 0; e < 2; e++) {
      let rows = 0;
      for await (const c of ds.chunks()) rows += chunkLength(c);
      assert.equal(rows, 150);
    }
  });

  it('an s3:// prefix and an s3:// glob', { skip }, async () => {
    assert.deepEqual(await ids(csv('s3://data/flat/', { columns, store: s3!.store })), range(150));
    assert.deepEqual(await ids(csv('s3://data/flat/part-*.csv', { columns, store: s3!.store })), range(150));
  });
});
