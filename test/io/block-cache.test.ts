import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  const corruptions: [string, (entry: Buffer) => Buffer][] = [
    ['a flipped bit in the data', (e) => (e[1234]! ^= 4, e)],
    ['a flipped bit in the checksum', (e) => (e[e.length - 1]! ^= 1, e)],
    ['the entry cut short', (e) => e.subarray(0, e.length - 7)],
    ['the checksum missing', (e) => e.subarray(0, body.length)],
    ['a byte appended', (e) => Buffer.concat([e, Buffer.of(0)])],
    ['an empty file', () => Buffer.alloc(0)],
  ];
  for (const [what, corrupt] of corruptions) {
    it(`${what}: not served, deleted, counted`, async () => {
      const { cache, file, dir } = await oneEntry(body);
      writeFileSync(file, corrupt(readFileSync(file)));
      const target = Buffer.alloc(body.length);
      assert.equal(await cache.getInto(key(0, body.length), target), false);
      assert.equal(await cache.get(key(0, body.length)), undefined); // deleted: now a plain miss
      assert.deepEqual(cache.counters, { hits: 0, misses: 1, corrupt: 1, evicted: 0 });
      assert.deepEqual(readdirSync(dir), []);
      rmSync(dir, { recursive: true });
    });
  }

  it('a whole entry is read straight into the caller’s buffer', async () => {
    const { cache, dir } = await oneEntry(body);
    const target = Buffer.alloc(body.length + 100, 0xee);
    assert.equal(await cache.getInto(key(0, body.length), target.subarray(50, 50 + body.length)), true);
    assert.deepEqual(target.subarray(50, 50 + body.length), body);
    assert.equal(target[49], 0xee); // nothing written outside it
    assert.equal(target[50 + body.length], 0xee);
    assert.deepEqual(await cache.get(key(0, body.length)), body);
    assert.deepEqual(cache.counters, { hits: 2, misses: 0, corrupt: 0, evicted: 0 });
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
