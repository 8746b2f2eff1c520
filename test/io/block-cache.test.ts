import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { BlockCache, type BlockKey } from '../../src/io/block-cache.js';
import { randomInt } from '../../src/random.js';

const key = (i: number, length = 3000): BlockKey => ({ object: 's3://b/k', etag: '"e"', start: i * length, end: (i + 1) * length });
/** Seeded bytes, different for each entry. */
const bytes = (n: number, seed: number): Buffer => {
  const next = randomInt(seed);
  return Buffer.from(Array.from({ length: n }, () => next(256)));
};

/** A cache in a fresh directory holding one entry; its file's path. */
async function oneEntry(body: Buffer): Promise<{ cache: BlockCache; file: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-blocks-'));
  const cache = new BlockCache({ dir });
  await cache.put(key(0, body.length), body);
  const names = readdirSync(dir);
  assert.equal(names.length, 1);
  return { cache, file: join(dir, names[0]!), dir };
}

describe('BlockCache entries are checked on every read', () => {
  const body = bytes(5000, 1);
  // [what, the change, whether the checksum is computed (the length is checked first)]
  const corruptions: [string, (entry: Buffer) => Buffer, number][] = [
    ['a flipped bit in the data', (e) => (e[1234]! ^= 4, e), 1],
    ['a flipped bit in the checksum', (e) => (e[e.length - 1]! ^= 1, e), 1],
    ['the entry cut short', (e) => e.subarray(0, e.length - 7), 0],
    ['the checksum missing', (e) => e.subarray(0, body.length), 0],
    ['a byte appended', (e) => Buffer.concat([e, Buffer.of(0)]), 0],
    ['an empty file', () => Buffer.alloc(0), 0],
  ];
  for (const [what, corrupt, checks] of corruptions) {
    it(`${what}: not served, deleted, counted`, async () => {
      const { cache, file, dir } = await oneEntry(body);
      writeFileSync(file, corrupt(readFileSync(file)));
      const target = Buffer.alloc(body.length);
      assert.equal(await cache.getInto(key(0, body.length), target), false);
      assert.equal(await cache.get(key(0, body.length)), undefined); // deleted: now a plain miss
      assert.deepEqual(cache.counters, { hits: 0, misses: 1, corrupt: 1, evicted: 0, checks });
      assert.deepEqual(readdirSync(dir), []);
      rmSync(dir, { recursive: true });
    });
  }

  it('an entry settled on disk is checked once per version of its file: any write to it means a new check', async () => {
    const { cache, file, dir } = await oneEntry(body);
    await new Promise((r) => setTimeout(r, 1100)); // its ctime a second old: a check of it is remembered
    for (let i = 0; i < 3; i++) assert.deepEqual(await cache.get(key(0, body.length)), body);
    assert.equal(cache.counters.checks, 1);
    const other = new BlockCache({ dir }); // another thread or process checks for itself
    assert.deepEqual(await other.get(key(0, body.length)), body);
    assert.equal(other.counters.checks, 1);
    const entry = readFileSync(file);
    entry[17]! ^= 0x40;
    writeFileSync(file, entry); // in place: the same inode, size and (maybe) mtime, a new ctime
    assert.equal(await cache.get(key(0, body.length)), undefined);
    assert.deepEqual(cache.counters, { hits: 3, misses: 0, corrupt: 1, evicted: 0, checks: 2 });
    rmSync(dir, { recursive: true });
  });

  it('on a worker thread (synchronous reads) alike: checked once per version, a write in place caught', async () => {
    const { dir } = await oneEntry(body);
    await new Promise((r) => setTimeout(r, 1100));
    const pool = new Piscina({ filename: new URL('./block-cache-thread.ts', import.meta.url).href, maxThreads: 1 });
    const seen = await pool.run({ dir, key: key(0, body.length), body });
    await pool.destroy();
    assert.deepEqual(seen, { isMainThread: false, same: [true, true, true], after: 'none', counters: { hits: 3, misses: 0, corrupt: 1, evicted: 0, checks: 2 }, left: 0 });
    rmSync(dir, { recursive: true });
  });

  it('a whole entry is read straight into the caller’s buffer', async () => {
    const { cache, dir } = await oneEntry(body);
    const target = Buffer.alloc(body.length + 100, 0xee);
    assert.equal(await cache.getInto(key(0, body.length), target.subarray(50, 50 + body.length)), true);
    assert.deepEqual(target.subarray(50, 50 + body.length), body);
    assert.equal(target[49], 0xee); // nothing written outside it
    assert.equal(target[50 + body.length], 0xee);
    assert.deepEqual(await cache.get(key(0, body.length)), body);
    assert.deepEqual(cache.counters, { hits: 2, misses: 0, corrupt: 0, evicted: 0, checks: 2 }); // a fresh entry: checked at every read
    await assert.rejects(cache.getInto(key(0, body.length), Buffer.alloc(10)), RangeError);
    rmSync(dir, { recursive: true });
  });

  it('another range, ETag or object is another entry', async () => {
    const { cache, dir } = await oneEntry(body);
    const k = key(0, body.length);
    for (const other of [{ ...k, etag: '"f"' }, { ...k, object: 's3://b/other' }, { ...k, start: 1, end: body.length + 1 }]) assert.equal(await cache.get(other), undefined);
    assert.equal(cache.counters.misses, 3);
    assert.equal(cache.counters.corrupt, 0);
    rmSync(dir, { recursive: true });
  });

  it('an entry written by another process (same directory) is read; several writers of one range leave one whole entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-blocks-'));
    const writers = Array.from({ length: 4 }, () => new BlockCache({ dir }));
    await Promise.all(writers.map((w) => w.put(key(3), bytes(3000, 3))));
    assert.equal(readdirSync(dir).length, 1); // renamed into place: no temporary file left
    assert.deepEqual(await new BlockCache({ dir }).get(key(3)), bytes(3000, 3));
    rmSync(dir, { recursive: true });
  });
});
