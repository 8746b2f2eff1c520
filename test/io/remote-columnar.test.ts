// arrow() and parquet() over s3:// and ranged https:// (s3rver on 127.0.0.1): the footer by
// a range read, then record batches / row groups by offset; the same rows as the local file,
// and far fewer bytes than the object when only some columns are read.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { objectStore } from '../../src/io/object-store.js';
import { arrow } from '../../src/sources/arrow.js';
import { parquet } from '../../src/sources/parquet.js';
import { type Col, writeParquet } from '../helpers/parquet-file.js';
import { hasS3rver, startS3, type S3Server } from '../helpers/s3-server.js';

const skip = (await hasS3rver()) ? false : 's3rver is not installed (npm install)';
let s3: S3Server;
let dir: string;
const N = 30_000;
const ratings = (n: number): Col[] => [
  { name: 'userId', type: 'INT64', values: Array.from({ length: n }, (_, i) => i % 101) },
  { name: 'movieId', type: 'INT32', values: Array.from({ length: n }, (_, i) => (i * 13) % 977) },
  { name: 'rating', type: 'FLOAT', values: Array.from({ length: n }, (_, i) => (i % 10) / 2 + 0.5) },
  { name: 'ts', type: 'DOUBLE', values: Array.from({ length: n }, (_, i) => 1_600_000_000_000 + i) },
];
before(async () => {
  if (skip !== false) return;
  s3 = await startS3();
  dir = mkdtempSync(join(tmpdir(), 'sluice-columnar-'));
  writeParquet(join(dir, 'r.parquet'), ratings(N), 10_000);
  await s3.put('r.parquet', readFileSync(join(dir, 'r.parquet')));
  const ids = Int32Array.from({ length: N }, (_, i) => i);
  const table = tableFromArrays({ id: ids, x: Float64Array.from(ids, (i) => i / 2), pad: Float64Array.from(ids, (i) => i * 3) });
  writeFileSync(join(dir, 'r.arrow'), tableToIPC(table, 'file'));
  writeFileSync(join(dir, 'r.arrows'), tableToIPC(table, 'stream'));
  await s3.put('r.arrow', readFileSync(join(dir, 'r.arrow')));
  await s3.put('r.arrows', readFileSync(join(dir, 'r.arrows')));
});
after(async () => {
  if (skip !== false) return;
  await s3.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rows(ds: AsyncIterable<Record<string, number>>): Promise<string> {
  const out: string[] = [];
  for await (const r of ds) out.push(JSON.stringify(r));
  return out.join('\n');
}

describe('columnar files in object storage', { skip }, () => {
  it('parquet(s3://…) gives the local file rows; reading one column fetches a fraction of the object', async () => {
    const columns = { movieId: 'int32', rating: 'float32' } as const;
    const store = { ...s3.store, retries: 21 };
    const remote = await rows(parquet('s3://data/r.parquet', { columns, store }));
    assert.equal(remote, await rows(parquet(join(dir, 'r.parquet'), { columns })));
    assert.equal(remote.split('\n').length, N);
    const size = readFileSync(join(dir, 'r.parquet')).length;
    const fetched = objectStore(store).counters.bytes;
    assert.ok(fetched < 0.6 * size, `fetched ${fetched} of ${size} bytes for 2 of 4 columns`);
    assert.ok(objectStore(store).counters.requests >= 3 + 1, 'a HEAD, the footer, then the row groups');
  });

  it('arrow(s3://…), file and stream format, gives the local file rows', async () => {
    for (const name of ['r.arrow', 'r.arrows']) {
      const store = { ...s3.store, retries: name.length };
      const remote = await rows(arrow(`s3://data/${name}`, { columns: { id: 'int32', x: 'float64' }, store }));
      assert.equal(remote, await rows(arrow(join(dir, name), { columns: { id: 'int32', x: 'float64' } })));
      assert.equal(remote.split('\n').length, N);
      assert.ok(objectStore(store).counters.requests < 20, `${name}: ${objectStore(store).counters.requests} requests`);
    }
  });

  it('over a ranged http(s) URL (a plain range-serving server) the same', async () => {
    const server = createServer((req, res) => {
      const body = readFileSync(join(dir, req.url!.slice(1)));
      const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
      const [s, e] = m === null ? [0, body.length - 1] : [Number(m[1]), Math.min(Number(m[2]), body.length - 1)];
      res.writeHead(m === null ? 200 : 206, { 'content-length': e - s + 1, 'accept-ranges': 'bytes', etag: '"v1"', ...(m === null ? {} : { 'content-range': `bytes ${s}-${e}/${body.length}` }) });
      res.end(req.method === 'HEAD' ? undefined : body.subarray(s, e + 1));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      assert.equal(await rows(parquet(`${base}/r.parquet`, { columns: { movieId: 'int32' } })), await rows(parquet(join(dir, 'r.parquet'), { columns: { movieId: 'int32' } })));
      assert.equal(await rows(arrow(`${base}/r.arrow`, { columns: { id: 'int32' } })), await rows(arrow(join(dir, 'r.arrow'), { columns: { id: 'int32' } })));
    } finally {
      server.close();
    }
  });

  it('a missing object is an error naming it', async () => {
    await assert.rejects(rows(parquet('s3://data/none.parquet', { store: s3.store })), /none\.parquet/);
    await assert.rejects(rows(arrow('s3://data/none.arrow', { store: s3.store })), /none\.arrow/);
  });
});
