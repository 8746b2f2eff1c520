// Issue 13: the file cache's stamp covers everything it holds, a check never allocates past
// the file, a directory at the path is found before the upstream runs, and temporary files
// of killed writers are cleaned up.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { Dataset } from '../../src/index.js';
import { isValidCache } from '../../src/stages/cache.js';
import { FileError } from '../../src/io/file.js';
import { tracked, type IdRow } from '../helpers/sources.js';
import { endRegion, flipOutcomes } from './flips.js';
import { randomInt } from '../../src/random.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-cache-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;
const fresh = (): string => path.join(dir, `c${files++}.arrow`);

function source(n: number): { ds: Dataset<IdRow>; opened: () => number } {
  const { ds, tracker } = tracked(n, { columnar: true, chunkSize: 1000 });
  const src = Object.assign(Object.create(null) as object, ds.source, { fingerprint: async () => 'v1' });
  return { ds: new Dataset(src as typeof ds.source), opened: () => tracker.opened };
}

describe('cache(path) integrity', () => {
  test('a flipped column name is caught (the stamp covers the schema)', async () => {
    const file = fresh();
    await source(100).ds.cache(file).count();
    const bytes = fs.readFileSync(file);
    const at = bytes.lastIndexOf(Buffer.from('half'));
    bytes[at + 1] = 'x'.charCodeAt(0);
    fs.writeFileSync(file, bytes);
    assert.equal(await isValidCache(file, 'v1'), false);
  });

  test('single-bit flips of the footer (a seeded sample): each check ends as invalid (footer-flips.slow.test.ts flips every bit)', async () => {
    const file = fresh();
    await source(100).ds.cache(file).count();
    const good = fs.readFileSync(file);
    const region = endRegion(good);
    const rand = randomInt(13);
    const bits = Array.from({ length: 300 }, () => region[rand(region.length)]! * 8 + rand(8));
    const out = await flipOutcomes(file, good, 'v1', bits);
    assert.deepEqual([out.invalid, out.valid, out.threw, out.hung], [300, 0, 0, 0]);
  });

  test('a directory at the cache path is a FileError before the upstream is opened', async () => {
    const file = fresh();
    fs.mkdirSync(file);
    const { ds, opened } = source(100);
    await assert.rejects(ds.cache(file).toArray(), (e: unknown) => e instanceof FileError && e.message.includes(file) && /directory/.test(e.message));
    assert.equal(opened(), 0);
  });

  test("a killed writer's temporary file is removed by the next write; a live process's is kept", async () => {
    const file = fresh();
    const dead = `${file}.tmp-999999999-abcd`;
    const live = `${file}.tmp-${process.ppid}-abcd`;
    fs.writeFileSync(dead, 'half a cache');
    fs.writeFileSync(live, 'being written');
    await source(10).ds.cache(file).count();
    assert.equal(fs.existsSync(dead), false);
    assert.equal(fs.existsSync(live), true);
  });

  test('a cache in a directory that cannot be written: a FileError naming the path and operation', async () => {
    const file = path.join(dir, 'no-such-dir', 'c.arrow');
    await assert.rejects(source(10).ds.cache(file).toArray(), (e: unknown) => e instanceof FileError && e.message.includes('no-such-dir') && /cannot create/.test(e.message));
  });
});
