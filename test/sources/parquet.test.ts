import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { parquetReadObjects, asyncBufferFromFile } from 'hyparquet';
import { ColumnChunk } from '../../src/index.js';
import { parquet, ParquetFormatError } from '../../src/sources/parquet.js';
import { type Col, writeParquet } from '../helpers/parquet-file.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function ratings(n: number): Col[] {
  const u = new Array<number>(n), m = new Array<number>(n), r = new Array<number>(n), t = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    u[i] = i % 101;
    m[i] = (i * 13) % 977;
    r[i] = (i % 10) / 2 + 0.5;
    t[i] = 1_600_000_000_000 + i;
  }
  return [
    { name: 'userId', type: 'INT64', values: u },
    { name: 'movieId', type: 'INT32', values: m },
    { name: 'rating', type: 'FLOAT', values: r },
    { name: 'ts', type: 'DOUBLE', values: t },
  ];
}

describe('parquet(path)', () => {
  const file = path.join(dir, 'ratings.parquet');
  writeParquet(file, ratings(25_000), 10_000);

  test('the fixture writer is sound: hyparquet itself reads it', async () => {
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(file), rowStart: 3, rowEnd: 4 });
    assert.deepEqual(rows, [{ userId: 3n, movieId: 39, rating: 2, ts: 1_600_000_000_003 }]);
  });

  test('reads every row of every row group, in order, as columnar chunks', async () => {
    const ds = parquet(file);
    assert.equal(ds.size, 25_000);
    assert.deepEqual(ds.schema, { userId: 'float64', movieId: 'int32', rating: 'float32', ts: 'float64' });
    const rows = await ds.toArray();
    assert.equal(rows.length, 25_000);
    for (const i of [0, 9999, 10_000, 24_999]) {
      assert.deepEqual(rows[i], { userId: i % 101, movieId: (i * 13) % 977, rating: (i % 10) / 2 + 0.5, ts: 1_600_000_000_000 + i });
    }
    for await (const c of ds.chunks()) {
      assert.ok(c instanceof ColumnChunk && c.size <= 4096);
      assert.ok(c.columns['movieId'] instanceof Int32Array && c.columns['rating'] instanceof Float32Array);
    }
  });

  test('columns selects and types; batch gives typed arrays; epochs repeat', async () => {
    const ds = parquet<{ userId: number; rating: number }>(file, { columns: { userId: 'int32', rating: 'float32' } });
    const b = await ds.batch(1024).toArray();
    assert.equal(b.length, 25);
    assert.ok(b[0]!.columns.userId instanceof Int32Array);
    assert.equal(b[0]!.columns.userId[102], 1);
    assert.deepEqual(await ds.take(5).toArray(), await ds.take(5).toArray());
  });

  test('a parquet source caches to Arrow with its own fingerprint', async () => {
    const cacheFile = path.join(dir, 'ratings.arrow');
    const ds = parquet(file).cache(cacheFile);
    const a = await ds.toArray();
    assert.ok(fs.existsSync(cacheFile));
    assert.deepEqual(await ds.toArray(), a);
  });

  test('errors name the file: missing, not parquet, unknown or non-numeric column', async () => {
    await assert.rejects(parquet(path.join(dir, 'nope.parquet')).count(), /nope\.parquet/);
    const junk = path.join(dir, 'junk.parquet');
    fs.writeFileSync(junk, 'a,b\n1,2\n');
    assert.equal(parquet(junk).size, undefined);
    await assert.rejects(parquet(junk).count(), (e: unknown) => e instanceof ParquetFormatError && /junk\.parquet: not a Parquet file/.test(e.message));
    await assert.rejects(parquet(file, { columns: { nope: 'int32' } }).count(), /no column 'nope' \(has userId, movieId, rating, ts\)/);
    assert.throws(() => parquet(''), /path must be a non-empty string/);
  });
});
