import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkToArray } from '../../src/chunk.js';
import { shuffledCsv } from '../../src/csv/shuffled.js';
import { objectStore } from '../../src/io/object-store.js';
import { shuffledCsvFiles, type CsvFilesOptions } from '../../src/sources/csv-files.js';
import { Coverage } from '../../src/shuffle/coverage.js';
import { joinPositions, type ShardPosition } from '../../src/shuffle/shard-plan.js';
import { hasS3rver, ids, idRows, randomFaults, startFaultProxy, startS3, type S3Server } from '../helpers/s3-server.js';

const skip = (await hasS3rver()) ? false : 's3rver is not installed (npm install)';
const N = 6000;
const columns = { id: 'int32', a: 'int32', b: 'float64' } as const;
const shuffle = { blockBytes: 2048, openBlocks: 4, seed: 3 };
let s3: S3Server;
let dir: string;
before(async () => {
  if (skip !== false) return;
  s3 = await startS3();
  dir = mkdtempSync(join(tmpdir(), 'sluice-files-'));
  mkdirSync(join(dir, 'parts'));
  await s3.put('one/ids.csv', idRows(N));
  writeFileSync(join(dir, 'ids.csv'), idRows(N));
  for (let f = 0; f < 3; f++) {
    await s3.put(`parts/part-${f}.csv`, idRows(N / 3, (f * N) / 3));
    writeFileSync(join(dir, 'parts', `part-${f}.csv`), idRows(N / 3, (f * N) / 3));
  }
  writeFileSync(join(dir, 'parts', '_SUCCESS'), '');
});
after(async () => s3?.close());

function assertOnce(got: number[], n = N): void {
  const seen = new Uint8Array(n);
  for (const id of got) seen[id]!++;
  const bad = seen.findIndex((c) => c !== 1);
  assert.equal(bad, -1, `id ${bad} delivered ${seen[bad]} times (of ${got.length} rows)`);
  assert.equal(got.length, n);
}

describe('shuffledCsv over object storage and many files', { skip }, () => {
  it('s3:// gives the same rows in the same order as the local file', async () => {
    const remote = await ids(shuffledCsv('s3://data/one/ids.csv', { columns, shuffle, store: s3.store }));
    const local = await ids(shuffledCsvFiles(join(dir, 'ids.csv'), { columns, shuffle }));
    assertOnce(remote);
    assert.deepEqual(remote, local);
    assert.notDeepEqual(remote.slice(0, 50), Array.from({ length: 50 }, (_, i) => i)); // shuffled
  });

  it('remote blocks fetched and decoded on worker threads come out as on this thread; their bytes are counted', async () => {
    const stores = [0, 1, 2].map((w) => ({ ...s3.store, timeoutMs: 31_000 + w }));
    const got = await Promise.all([0, 1, 2].map((workers) => ids(shuffledCsv('s3://data/parts/', { columns, shuffle, store: stores[workers]!, workers }))));
    assertOnce(got[0]!);
    assert.deepEqual(got[1], got[0]);
    assert.deepEqual(got[2], got[0]);
    const size = Buffer.byteLength(idRows(N));
    for (const store of stores) assert.ok(objectStore(store).counters.bytes >= size - 3 * 'id,a,b\n'.length, `${objectStore(store).counters.bytes} of ${size} bytes counted`);
  });

  it('a prefix, a directory, a glob and a list are one dataset; blocks are drawn across files', async () => {
    const all = [
      await ids(shuffledCsv('s3://data/parts/', { columns, shuffle, store: s3.store })),
      await ids(shuffledCsv('s3://data/parts/part-*.csv', { columns, shuffle, store: s3.store })),
      await ids(shuffledCsv(join(dir, 'parts'), { columns, shuffle })),
      await ids(shuffledCsv(join(dir, 'parts', 'part-?.csv'), { columns, shuffle })),
      await ids(shuffledCsvFiles([0, 1, 2].map((f) => join(dir, 'parts', `part-${f}.csv`)), { columns, shuffle })),
    ];
    for (const got of all) {
      assertOnce(got);
      assert.deepEqual(got, all[0]);
    }
    const firstWindow = new Set(all[0]!.slice(0, 300).map((id) => Math.floor(id / (N / 3))));
    assert.ok(firstWindow.size >= 2, 'the first rows come from more than one file');
  });

  it('a file whose header differs is an error naming it', async () => {
    await s3.put('bad/a.csv', idRows(10));
    await s3.put('bad/b.csv', 'id,a,c\n1,2,3\n');
    await assert.rejects(ids(shuffledCsv('s3://data/bad/', { columns, shuffle, store: s3.store })), /'s3:\/\/data\/bad\/b\.csv': its header \(id, a, c\) differs from 's3:\/\/data\/bad\/a\.csv'/);
  });

  it('4 shards read about a quarter of the bytes each and partition the rows', async () => {
    const got: number[] = [];
    const receipts = [];
    for (let index = 0; index < 4; index++) {
      const store = { ...s3.store, retries: 5 + index }; // a store (and byte counter) per shard
      const before = objectStore(store).counters.bytes;
      const ds = shuffledCsvFiles('s3://data/parts/', { columns, shuffle, store, shard: { count: 4, index } });
      const mine = await ids(ds);
      got.push(...mine);
      receipts.push(ds.receipt());
      const bytes = objectStore(store).counters.bytes - before;
      assert.ok(bytes < 0.4 * Buffer.byteLength(idRows(N)) && bytes > 0.15 * Buffer.byteLength(idRows(N)), `shard ${index} read ${bytes} bytes`);
      assert.ok(Math.abs(mine.length - N / 4) < N / 8, `shard ${index}: ${mine.length} rows`);
    }
    assertOnce(got);
    const whole = new Coverage();
    for await (const c of shuffledCsvFiles(join(dir, 'ids.csv'), { columns, shuffle }).chunks()) whole.add(c);
    assert.deepEqual(Coverage.sum(receipts), whole.receipt());
    receipts[0]!.digest = receipts[1]!.digest;
    assert.notDeepEqual(Coverage.sum(receipts), whole.receipt());
  });

  it('a resume from 4 shards to 2 (and to 3) delivers the rest of the epoch exactly once', async () => {
    for (const after of [2, 3, 1]) {
      const options = (o: Partial<CsvFilesOptions>): CsvFilesOptions => ({ columns, shuffle, store: s3.store, ...o });
      const got: number[] = [];
      const positions: ShardPosition[] = [];
      for (let index = 0; index < 4; index++) {
        const ds = shuffledCsvFiles('s3://data/parts/', options({ shard: { count: 4, index } }));
        const take = [0, 700, 1100, 1500][index]!; // rows each shard had consumed at the checkpoint
        let consumed = 0;
        for await (const chunk of ds.chunks({ epoch: 1 })) {
          const rows = chunkToArray(chunk) as { id: number }[];
          const use = rows.slice(0, take - consumed);
          got.push(...use.map((r) => r.id));
          consumed += use.length;
          if (consumed >= take) break;
        }
        positions.push(ds.position(consumed));
      }
      const job = JSON.parse(JSON.stringify(joinPositions(positions)));
      for (let index = 0; index < after; index++) {
        got.push(...(await ids(shuffledCsvFiles('s3://data/parts/', options({ shard: { count: after, index }, resume: job })).iterator({ epoch: 1 }) as AsyncIterable<{ id: number }>)));
      }
      assertOnce(got);
    }
  });

  it('with shard.batchSize every shard hands out the same whole batches; dropped rows are counted and digested', async () => {
    const receipts = [];
    for (let index = 0; index < 4; index++) {
      const ds = shuffledCsvFiles('s3://data/parts/', { columns, shuffle, store: s3.store, shard: { count: 4, index, batchSize: 64 } });
      let batches = 0;
      for await (const _ of ds.batch(64)) batches++;
      const r = ds.receipt();
      assert.equal(batches * 64, ds.target);
      assert.equal(r.rows + r.repeated, ds.target); // a short shard repeats (this data's rows lengthen past the probe's)
      assert.ok(r.repeated < 0.05 * ds.target!);
      receipts.push(r, r.dropped);
    }
    assert.ok(receipts[0]!.rows > 0.9 * (N / 4), `target ${receipts[0]!.rows}`);
    const whole = new Coverage();
    for await (const c of shuffledCsvFiles(join(dir, 'ids.csv'), { columns, shuffle }).chunks()) whole.add(c);
    assert.deepEqual(Coverage.sum(receipts), whole.receipt()); // delivered + dropped = every row once
  });

  it('a resume against changed data, and an object changed mid-epoch, are errors', async () => {
    await s3.put('chg/a.csv', idRows(3000));
    const opts = { columns, shuffle, store: s3.store };
    const ds = shuffledCsvFiles('s3://data/chg/', { ...opts, shard: { count: 2, index: 0 } });
    for await (const _ of ds.chunks({ epoch: 0 })) break;
    const job = joinPositions([ds.position(0), { ...ds.position(0), index: 1 }]);
    await s3.put('chg/a.csv', idRows(4000));
    await assert.rejects(ids(shuffledCsvFiles('s3://data/chg/', { ...opts, shard: { count: 1, index: 0 }, resume: job })), /resume: the position was taken with \d+ blocks, now \d+ \(the data changed\)/);
    let n = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of shuffledCsvFiles('s3://data/chg/', opts).chunks({ epoch: 0 })) if (n++ === 0) await s3.put('chg/a.csv', idRows(4000, 1));
      })(),
      /changed while it was read/,
    );
  });

  it('under 10% injected request failures, every row exactly once', async () => {
    const proxy = await startFaultProxy(s3.endpoint, randomFaults(0.1, 11));
    try {
      const store = { ...s3.store, endpoint: proxy.endpoint, timeoutMs: 300, backoffMs: 1, retries: 8 };
      assertOnce(await ids(shuffledCsv('s3://data/parts/', { columns, shuffle, store })));
      assert.ok(proxy.counts['503'] + proxy.counts.reset + proxy.counts.stall > 0, JSON.stringify(proxy.counts));
    } finally {
      await proxy.close();
    }
  });

  it('with a block cache, epoch 2 reads from disk', async () => {
    const store = { ...s3.store, cache: mkdtempSync(join(tmpdir(), 'sluice-blocks-')) };
    const ds = shuffledCsv('s3://data/parts/', { columns, shuffle, store });
    const first = await ids(ds);
    const counters = objectStore(store).counters;
    const gets = counters.bytes;
    const second = await ids(ds);
    assertOnce(first);
    assertOnce(second);
    assert.notDeepEqual(first, second); // reshuffled, same blocks
    assert.equal(counters.bytes, gets, 'no byte of epoch 2 came from the server');
  });
});

describe('shuffledCsvFiles headers', () => {
  it('reads a quoted header (a delimiter inside a name, a BOM) through the one header reader, and compares names, not text', async () => {
    const local = mkdtempSync(join(tmpdir(), 'sluice-headers-'));
    const body = (from: number): string => Array.from({ length: 50 }, (_, i) => `${from + i},${i % 7}\n`).join('');
    writeFileSync(join(local, 'a.csv'), `\ufeff"id","a,b"\n${body(0)}`);
    writeFileSync(join(local, 'b.csv'), `id,"a,b"\r\n${body(50)}`);
    const ds = shuffledCsvFiles([join(local, 'a.csv'), join(local, 'b.csv')], { columns: { id: 'int32', 'a,b': 'int32' }, shuffle: { blockBytes: 64, seed: 1 } });
    const rows = (await ds.toArray()) as { id: number; 'a,b': number }[];
    assert.deepEqual(rows.map((r) => r.id).sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
    assert.ok(rows.every((r) => r['a,b'] === r.id % 50 % 7));
    writeFileSync(join(local, 'c.csv'), `id,"a;b"\n${body(100)}`);
    await assert.rejects(shuffledCsvFiles([join(local, 'a.csv'), join(local, 'c.csv')], { columns: { id: 'int32', 'a,b': 'int32' } }).toArray(), /c\.csv.*differs/);
  });
});
