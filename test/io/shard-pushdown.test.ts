import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csv } from '../../src/csv/reader.js';
import { csvParallel, splitRanges } from '../../src/csv/parallel.js';
import { shuffledCsv } from '../../src/csv/shuffled.js';
import { objectStore } from '../../src/io/object-store.js';
import { shuffledCsvFiles } from '../../src/sources/csv-files.js';
import { hasS3rver, ids, idRows, startS3, type S3Server } from '../helpers/s3-server.js';

const skip = (await hasS3rver()) ? false : 's3rver is not installed (npm install)';
const N = 6000;
const columns = { id: 'int32', a: 'int32', b: 'float64' } as const;
const shuffle = { blockBytes: 2048, openBlocks: 4, seed: 5 };
let dir: string;
let path: string;
let s3: S3Server | undefined;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-pushdown-'));
  path = join(dir, 'ids.csv');
  writeFileSync(path, idRows(N));
  if (skip === false) {
    s3 = await startS3();
    await s3.put('ids.csv', idRows(N));
  }
});
after(async () => {
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

function assertOnce(got: number[]): void {
  const seen = new Uint8Array(N);
  for (const id of got) seen[id]!++;
  const bad = seen.findIndex((c) => c !== 1);
  assert.equal(bad, -1, `id ${bad} delivered ${seen[bad]} times`);
}

describe('Dataset.shard pushed into block sources', () => {
  it('shuffledCsv(local).shard(3, i) reads the blocks the shard option deals: the same rows, exactly once in all', async () => {
    const union: number[] = [];
    for (let index = 0; index < 3; index++) {
      const pushed = await ids(shuffledCsv(path, { columns, shuffle }).shard(3, index));
      const dealt = await ids(shuffledCsvFiles(path, { columns, shuffle, shard: { count: 3, index } }));
      assert.deepEqual(pushed, dealt);
      assert.ok(Math.abs(pushed.length - N / 3) < N / 6, `shard ${index}: ${pushed.length} rows`);
      // Blocks, not elements: ids of one shard come in runs of neighbours (a block's rows).
      const sorted = [...pushed].sort((x, y) => x - y);
      const runs = sorted.filter((id, k) => k === 0 || id !== sorted[k - 1]! + 1).length;
      assert.ok(runs < pushed.length / 20, `shard ${index}: ${runs} runs of ${pushed.length} ids`);
      union.push(...pushed);
    }
    assertOnce(union);
    assert.equal(union.length, N);
  });

  it('a shard of a shard is the composed shard (count 2 × 2 = 4), and an element-wise source keeps i % count', async () => {
    const ds = shuffledCsv(path, { columns, shuffle });
    const union: number[] = [];
    for (const [i, j] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) {
      const nested = await ids(ds.shard(2, i).shard(2, j));
      assert.deepEqual(nested, await ids(ds.shard(4, i + 2 * j)));
      union.push(...nested);
    }
    assertOnce(union);
    assert.deepEqual(await ids(csv(path, { columns }).shard(4, 1).take(3)), [1, 5, 9]);
    assert.throws(() => ds.shard(2, 2), /index must be < count/);
  });

  it('csvParallel(...).shard(3, i) decodes only the byte ranges dealt to it (range r to shard r % 3)', async () => {
    const rangeBytes = 4096;
    const ranges = splitRanges(statSync(path).size, rangeBytes);
    assert.ok(ranges.length >= 6);
    const union: number[] = [];
    for (let index = 0; index < 3; index++) {
      const got = await ids(csvParallel<{ id: number }>(path, { columns, workers: 1, rangeBytes }).shard(3, index));
      const expected: number[] = [];
      for (const [r, range] of ranges.entries()) if (r % 3 === index) expected.push(...(await ids(csv(path, { columns, byteRange: range }))));
      assert.deepEqual(got, expected);
      union.push(...got);
    }
    assertOnce(union);
    assert.equal(union.length, N);
  });

  it('shuffledCsv(s3://…).shard(4, i): each shard fetches about a quarter of the bytes; union exactly once', { skip }, async () => {
    const size = Buffer.byteLength(idRows(N));
    const union: number[] = [];
    for (let index = 0; index < 4; index++) {
      const store = { ...s3!.store, retries: 11 + index }; // a store (and byte counter) per shard
      const got = await ids(shuffledCsv('s3://data/ids.csv', { columns, shuffle, store }).shard(4, index));
      const bytes = objectStore(store).counters.bytes;
      assert.ok(bytes > 0.15 * size && bytes < 0.4 * size, `shard ${index} fetched ${bytes} of ${size} bytes`);
      union.push(...got);
    }
    assertOnce(union);
    assert.equal(union.length, N);
  });
});
