// Issue 13: every single-bit flip of a small cache's trailer, footer, footer length and
// magic ends its check quickly as 'invalid' (rebuild): none hangs, none throws, none is
// served. Before the footer carried its own digest, a flipped offset hung the check and a
// flipped vector length ran the heap out.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Dataset } from '../../src/index.js';
import { tracked } from '../helpers/sources.js';
import { endRegion, flipOutcomes } from './flips.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-flips-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('every bit of the footer flipped: all invalid, none hung, threw or served', async () => {
  const file = path.join(dir, 'c.arrow');
  const { ds } = tracked(100, { columnar: true, chunkSize: 1000 });
  const src = Object.assign(Object.create(null) as object, ds.source, { fingerprint: async () => 'v1' });
  await new Dataset(src as typeof ds.source).cache(file).count();
  const good = fs.readFileSync(file);
  const bits = endRegion(good).flatMap((b) => [0, 1, 2, 3, 4, 5, 6, 7].map((k) => b * 8 + k));
  const out = await flipOutcomes(file, good, 'v1', bits);
  console.log(`cache footer flips: ${bits.length} (${JSON.stringify(out)})`);
  assert.deepEqual({ ...out, heapGrowth: 0 }, { invalid: bits.length, valid: 0, threw: 0, hung: 0, heapGrowth: 0 });
  assert.ok(out.heapGrowth < 64 << 20, `a check grew the heap by ${out.heapGrowth} bytes`);
});
