import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ProgressInfo, OptionError, range, withProgress } from '../../src/index.js';
import { tracked } from '../helpers/sources.js';

test('withProgress reports once per chunk, with the total from size and an ETA, and leaves the elements alone', async () => {
  const seen: ProgressInfo[] = [];
  const { ds, tracker } = tracked(1000, { chunkSize: 100 });
  const out = await withProgress(ds.map((x) => x * 2), (p) => seen.push(p)).toArray();
  assert.deepEqual(out, Array.from({ length: 1000 }, (_, i) => i * 2));
  assert.deepEqual(seen.map((p) => p.rows), [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
  assert.ok(seen.every((p) => p.total === 1000 && p.rowsPerSecond > 0 && p.etaSeconds !== undefined && p.etaSeconds >= 0));
  assert.equal(seen[seen.length - 1]!.etaSeconds, 0);
  assert.equal(tracker.closed, 1);
});

test('withProgress: no total without a size; an early exit closes the source; a bad callback is refused', async () => {
  const seen: ProgressInfo[] = [];
  const { ds, tracker } = tracked(1000, { chunkSize: 10 });
  const n = await withProgress(ds.filter(() => true), (p) => seen.push(p)).take(15).count();
  assert.equal(n, 15);
  assert.equal(seen[0]!.total, undefined);
  assert.equal(seen[0]!.etaSeconds, undefined);
  assert.equal(tracker.closed, 1);
  assert.throws(() => withProgress(range(3), 5 as never), OptionError);
});
