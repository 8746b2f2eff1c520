import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { makeVector, tableFromArrays, tableToIPC, vectorFromArray, Utf8, Table } from 'apache-arrow';
import { ColumnChunk } from '../../src/index.js';
import { arrow, ArrowFormatError } from '../../src/sources/arrow.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A table as pyarrow would write it for a ratings frame: int64 ids, float32 ratings, a string column. */
function ratingsTable(n: number): Table {
  const userId = new BigInt64Array(n);
  const rating = new Float32Array(n);
  const movieId = new Int32Array(n);
  const title: string[] = [];
  for (let i = 0; i < n; i++) {
    userId[i] = BigInt(i % 97);
    movieId[i] = i * 3;
    rating[i] = (i % 10) / 2;
    title.push(`m${i}`);
  }
  return new Table({
    userId: makeVector(userId),
    movieId: makeVector(movieId),
    rating: makeVector(rating),
    title: vectorFromArray(title, new Utf8()),
  });
}

function write(name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

describe('arrow(path)', () => {
  for (const format of ['file', 'stream'] as const) {
    test(`reads the numeric columns of an IPC ${format} written by another tool`, async () => {
      const file = write(`r.${format}.arrow`, tableToIPC(ratingsTable(10_000), format));
      const rows = await arrow(file).toArray();
      assert.equal(rows.length, 10_000);
      assert.deepEqual(rows[7], { userId: 7, movieId: 21, rating: 3.5 });
      const chunks = [];
      for await (const c of arrow(file).chunks()) chunks.push(c);
      const c = chunks[0] as ColumnChunk;
      assert.ok(c instanceof ColumnChunk);
      assert.ok(c.columns['userId'] instanceof Float64Array, 'int64 → float64 by default');
      assert.ok(c.columns['movieId'] instanceof Int32Array);
      assert.ok(c.columns['rating'] instanceof Float32Array);
      assert.ok(chunks.every((x) => (x as ColumnChunk).size <= 4096));
    });
  }

  test('columns selects and types columns; a second epoch reads again', async () => {
    const file = write('sel.arrow', tableToIPC(ratingsTable(5000), 'file'));
    const ds = arrow<{ userId: number; rating: number }>(file, { columns: { userId: 'int32', rating: 'float32' } });
    const a = await ds.toArray();
    assert.deepEqual(a[100], { userId: 3, rating: 0 });
    assert.deepEqual(await ds.toArray(), a);
    const b = await ds.batch(1024).toArray();
    assert.ok(b[0]!.columns.userId instanceof Int32Array);
  });

  test('several record batches and early exit', async () => {
    const t = ratingsTable(3000);
    const three = new Table([...t.batches, ...t.batches, ...t.batches]);
    const file = write('multi.arrow', tableToIPC(three, 'file'));
    assert.equal(await arrow(file).count(), 9000);
    let n = 0;
    for await (const _ of arrow(file)) if (++n === 3) break;
  });

  test('errors name the file: missing, not arrow, unknown column, string column, nulls', async () => {
    await assert.rejects(arrow(path.join(dir, 'nope.arrow')).count(), /cannot read .*nope\.arrow/);
    const junk = write('junk.arrow', new TextEncoder().encode('a,b\n1,2\n'));
    await assert.rejects(arrow(junk).count(), (e: unknown) => e instanceof ArrowFormatError && /junk\.arrow: not an Arrow IPC file/.test(e.message));
    const file = write('cols.arrow', tableToIPC(ratingsTable(10), 'file'));
    await assert.rejects(arrow(file, { columns: { nope: 'int32' } }).count(), /no column 'nope' \(has userId, movieId, rating, title\)/);
    await assert.rejects(arrow(file, { columns: { title: 'int32' } }).count(), /column 'title' is Utf8, not numeric/);
    const withNull = write('null.arrow', tableToIPC(tableFromArrays({ x: [1, null, 3] as unknown as Float64Array }), 'file'));
    await assert.rejects(arrow(withNull).count(), /column 'x' has 1 null values/);
    assert.throws(() => arrow(''), /path must be a non-empty string/);
  });
});

describe('arrow(path) chunks are fresh', () => {
  test('the shuffle swaps rows in place into them: every row once per epoch, and the file reads the same next epoch', async () => {
    const n = 20_000;
    const file = write('fresh.arrow', tableToIPC(ratingsTable(n), 'file'));
    const ds = arrow<{ movieId: number }>(file, { columns: { movieId: 'int32' }, chunkSize: 1000 });
    assert.equal(ds.source.freshChunks, true);
    const shuffled = ds.shuffle(3000, { seed: 5 });
    for (let epoch = 0; epoch < 2; epoch++) {
      const seen = (await shuffled.toArray()).map((r) => r.movieId);
      assert.notDeepEqual(seen.slice(0, 50), Array.from({ length: 50 }, (_, i) => i * 3), 'shuffled');
      assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i * 3), `epoch ${epoch}: every row once`);
    }
    assert.deepEqual((await ds.toArray()).map((r) => r.movieId), Array.from({ length: n }, (_, i) => i * 3), 'in file order after shuffled epochs');
  });
});
