import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PartsReader } from '../../src/csv/parts-reader.js';
import { csv } from '../../src/csv/reader.js';
import { BlockCache } from '../../src/io/block-cache.js';
import { objectStore } from '../../src/io/object-store.js';
import { ObjectChangedError, RemoteObject, RemoteReadError } from '../../src/io/remote.js';
import { readRemote } from '../../src/io/remote-stream.js';
import { hasS3rver, idRows, randomFaults, startFaultProxy, startS3, type S3Server } from '../helpers/s3-server.js';


// s3rver is a dev dependency: where it is not installed these tests say so and skip.
const skip = (await hasS3rver()) ? false : 's3rver is not installed (npm install)';
let s3: S3Server;
const text = idRows(5000);
before(async () => {
  if (skip !== false) return;
  s3 = await startS3();
  await s3.put('ids.csv', text);
});
after(async () => s3?.close());

describe('RemoteObject over s3rver', { skip }, () => {
  it('reads byte ranges of s3://bucket/key exactly, HEAD pins size and ETag', async () => {
    const o = new RemoteObject('s3://data/ids.csv', { ...s3.store });
    const info = await o.stat();
    assert.equal(info.size, Buffer.byteLength(text));
    assert.match(info.etag, /^"[0-9a-f]+"$/);
    for (const [s, e] of [[0, 10], [100, 4000], [info.size - 5, info.size + 100]] as const) {
      assert.equal((await o.read(s, e)).toString(), text.slice(s, Math.min(e, info.size)));
    }
  });

  it('csv() reads s3:// front to back, and byte ranges of it partition the rows', async () => {
    const store = { ...s3.store, partBytes: 4096 };
    const rows = await csv('s3://data/ids.csv', { columns: { id: 'int32' }, store }).toArray();
    assert.deepEqual(rows.map((r) => r.id), Array.from({ length: 5000 }, (_, i) => i));
    const size = Buffer.byteLength(text);
    const ids: number[] = [];
    for (let s = 0; s < size; s += 7000) ids.push(...(await csv('s3://data/ids.csv', { columns: { id: 'int32' }, store, byteRange: [s, Math.min(size, s + 7000)] }).toArray()).map((r) => r.id));
    assert.deepEqual(ids, Array.from({ length: 5000 }, (_, i) => i));
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const proxy = await startFaultProxy(s3.endpoint, (_n, _req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      res.on('close', () => inFlight--);
      return 'ok';
    });
    try {
      const store = { ...s3.store, endpoint: proxy.endpoint, concurrency: 3, partBytes: 1000, readAhead: 10 };
      let bytes = 0;
      for await (const part of readRemote('s3://data/ids.csv', { store })) bytes += part.length;
      assert.equal(bytes, Buffer.byteLength(text));
      assert.ok(most >= 2 && most <= 3, `most in flight: ${most}`);
    } finally {
      await proxy.close();
    }
  });

  it('retries 503s, bodies cut mid-way and stalls: every row exactly once', async () => {
    const proxy = await startFaultProxy(s3.endpoint, randomFaults(0.3, 5));
    try {
      const store = { ...s3.store, endpoint: proxy.endpoint, partBytes: 2048, timeoutMs: 300, backoffMs: 1, retries: 8 };
      const rows = await csv('s3://data/ids.csv', { columns: { id: 'int32' }, store }).toArray();
      assert.deepEqual(rows.map((r) => r.id), Array.from({ length: 5000 }, (_, i) => i));
      assert.ok(proxy.counts['503'] > 0 && proxy.counts.reset > 0 && proxy.counts.stall > 0, JSON.stringify(proxy.counts));
      assert.ok(objectStore(store).counters.retries >= proxy.counts['503'] + proxy.counts.reset);
    } finally {
      await proxy.close();
    }
  });

  it('after the last retry, the error names the object, the byte range and the cause', async () => {
    const proxy = await startFaultProxy(s3.endpoint, (_n, req) => (req.method === 'GET' ? '503' : 'ok'));
    try {
      const o = new RemoteObject('s3://data/ids.csv', { ...s3.store, endpoint: proxy.endpoint, retries: 2, backoffMs: 1 });
      await o.stat();
      await assert.rejects(o.read(100, 200), (e: unknown) => {
        assert.ok(e instanceof RemoteReadError);
        assert.match(e.message, /'s3:\/\/data\/ids\.csv' bytes \[100, 200\) after 3 attempts: HTTP 503 \(SlowDown\)/);
        return true;
      });
      assert.equal(proxy.counts['503'], 3);
    } finally {
      await proxy.close();
    }
  });

  it('an object that changes after its ETag was pinned is an error, not a mix', async () => {
    await s3.put('changing.csv', idRows(100));
    const o = new RemoteObject('s3://data/changing.csv', { ...s3.store });
    await o.stat();
    await o.read(0, 10);
    await s3.put('changing.csv', idRows(100, 1));
    await assert.rejects(o.read(10, 20), ObjectChangedError);
    await o.stat(); // a new epoch pins the new version
    assert.equal((await o.read(0, 10)).toString(), idRows(100, 1).slice(0, 10));
  });

  it('an object that shrinks under a pinned read past its new end is an error naming the change, not an HTTP error', async () => {
    await s3.put('shrinking.csv', idRows(3000));
    const o = new RemoteObject('s3://data/shrinking.csv', { ...s3.store, retries: 0 });
    const { size } = await o.stat();
    await s3.put('shrinking.csv', idRows(100));
    await assert.rejects(o.read(size - 100, size), (e: unknown) => e instanceof ObjectChangedError && /changed while it was read/.test((e as Error).message));
  });

  it('a missing object fails at once (no retries) naming it', async () => {
    const store = objectStore({ ...s3.store, retries: 4, backoffMs: 1 });
    const before = store.counters.requests;
    await assert.rejects(new RemoteObject('s3://data/nope.csv', store).stat(), /'s3:\/\/data\/nope\.csv'.*after 1 attempt: HTTP 404/);
    assert.equal(store.counters.requests - before, 1);
  });
});

describe('BlockCache', { skip }, () => {
  it('serves the second read from disk; a corrupt entry is dropped and read again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-blocks-'));
    const store = objectStore({ ...s3.store, cache: dir });
    const o = new RemoteObject('s3://data/ids.csv', store);
    await o.stat();
    const first = await o.read(0, 3000);
    const requests = store.counters.requests;
    assert.deepEqual(await o.read(0, 3000), first);
    assert.equal(store.counters.requests, requests);
    assert.equal(store.cache!.counters.hits, 1);
    const [entry] = readdirSync(dir).filter((n) => n.endsWith('.block'));
    const bytes = readFileSync(join(dir, entry!));
    bytes[5] = bytes[5]! ^ 1;
    writeFileSync(join(dir, entry!), bytes);
    assert.deepEqual(await o.read(0, 3000), first);
    assert.equal(store.cache!.counters.corrupt, 1);
    assert.equal(store.counters.requests, requests + 1);
  });

  it('a parts reader keeps the store\'s requests in flight while it fetches, 3 blocks while the cache serves them', async () => {
    const store = { ...s3.store, concurrency: 6, cache: mkdtempSync(join(tmpdir(), 'sluice-blocks-')) };
    const part = { name: 's3://data/ids.csv', start: 'id,a,b\n'.length, size: Buffer.byteLength(text), offset: 0 };
    const reader = new PartsReader([part], { columns: { id: 'int32', a: 'int32', b: 'float64' }, header: ['id', 'a', 'b'] }, store, 4096);
    const ahead: number[] = [reader.readAhead];
    for (const [s, e] of [[0, 4096], [0, 4096], [4096, 8192], [4096, 8192]] as const) {
      assert.ok((await reader.read(s, e)).length > 0);
      ahead.push(reader.readAhead);
    }
    assert.deepEqual(ahead, [6, 6, 3, 6, 3]); // fetched, cached, fetched, cached
    await reader.close();
  });

  it('keeps within its byte budget, evicting the least recently used', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-blocks-'));
    const cache = new BlockCache({ dir, maxBytes: 10_000 });
    const key = (i: number) => ({ object: 's3://b/k', etag: '"e"', start: i * 3000, end: (i + 1) * 3000 });
    await cache.put(key(0), Buffer.alloc(3000, 1));
    await cache.put(key(1), Buffer.alloc(3000, 2));
    // Used an hour ago, 0 before 1 (a hit refreshes an entry older than the cache's 10 s resolution).
    const [first, second] = readdirSync(dir).sort((a, b) => readFileSync(join(dir, a))[0]! - readFileSync(join(dir, b))[0]!); // key 0's bytes are 1s
    utimesSync(join(dir, first!), new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    utimesSync(join(dir, second!), new Date(Date.now() - 3_500_000), new Date(Date.now() - 3_500_000));
    assert.ok((await cache.get(key(0))) !== undefined); // 0 is now the most recently used
    await cache.put(key(2), Buffer.alloc(3000, 3));
    await cache.put(key(3), Buffer.alloc(3000, 4));
    const total = readdirSync(dir).reduce((n, f) => n + readFileSync(join(dir, f)).length, 0);
    assert.ok(total <= 10_000, `${total} bytes on disk`);
    assert.equal(await cache.get(key(1)), undefined);
    assert.deepEqual(await cache.get(key(3)), Buffer.alloc(3000, 4));
  });
});
