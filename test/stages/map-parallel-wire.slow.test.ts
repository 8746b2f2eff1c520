// mapParallel moves a chunk laid out in one buffer to its workers only when nothing upstream
// keeps it: the many-files shuffle keeps the chunks it handed out (receipts, short shards).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { csv, shuffledCsvFiles } from '../../src/index.js';

function writeIds(rows: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-wire-'));
  const file = path.join(dir, 'ids.csv');
  fs.writeFileSync(file, ['id,a,b,c', ...Array.from({ length: rows }, (_, i) => `${i},${i % 7},${i % 977},${i % 13}`)].join('\n') + '\n');
  return file;
}
const columns = { id: 'int32', a: 'int32', b: 'float32', c: 'int32' } as const;

test('mapParallel over the many-files shuffle leaves the chunks it keeps whole: a receipt after the epoch still reads them', async () => {
  const file = writeIds(20_000);
  const ds = shuffledCsvFiles(file, { columns, workers: 0, shuffle: { seed: 2, blockBytes: 32 << 10, openBlocks: 3 } });
  const ids: number[] = [];
  for await (const chunk of ds.mapParallel((r: { id: number }) => r.id, { concurrency: 2 }).chunks({ epoch: 0 })) ids.push(...(chunk as number[]));
  assert.equal(new Set(ids).size, 20_000);
  for (const at of [100, 2000, 5000, 19_999]) assert.equal(ds.receipt(at).rows, at);
});

test('mapParallel straight over csv: the same values, whether chunks move or are copied', async () => {
  const file = writeIds(30_000);
  const got = await csv(file, { columns }).mapParallel((r: { id: number; b: number }) => r.id * 1000 + r.b, { concurrency: 2 }).toArray();
  assert.deepEqual(got, Array.from({ length: 30_000 }, (_, i) => i * 1000 + (i % 977)));
});
