// Run on a worker thread (piscina) by block-cache.test.ts: the cache's synchronous path
// (worker threads read entries with sync calls). Reads the entry the test put three times,
// writes it in place, reads it again; returns what it saw.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { BlockCache, type BlockKey } from '../../src/io/block-cache.js';

export default async function readOnThread({ dir, key, body }: { dir: string; key: BlockKey; body: Uint8Array }): Promise<unknown> {
  const cache = new BlockCache({ dir });
  const same: boolean[] = [];
  for (let i = 0; i < 3; i++) same.push((await cache.get(key))?.equals(body) ?? false);
  const file = join(dir, readdirSync(dir)[0]!);
  const entry = readFileSync(file);
  entry[17]! ^= 0x40;
  writeFileSync(file, entry);
  const after = await cache.get(key);
  return { isMainThread, same, after: after === undefined ? 'none' : 'served', counters: { ...cache.counters }, left: readdirSync(dir).length };
}
