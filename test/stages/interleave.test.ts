import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { range, StageError } from '../../src/index.js';
import { sorted, tracked, type Tracker } from '../helpers/sources.js';

test('cycle order matches tf.data interleave', async () => {
  const out = await range(3)
    .interleave((i) => range(i * 10, i * 10 + 4), { cycleLength: 2, blockLength: 2 })
    .toArray();
  assert.deepEqual(out, [0, 1, 10, 11, 2, 3, 12, 13, 20, 21, 22, 23]);
});

test('every inner element exactly once, any cycle/block/order; random order is seeded per epoch', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 12 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 20 }),
      fc.constantFrom('cycle' as const, 'random' as const),
      fc.boolean(),
      async (sizes, cycleLength, blockLength, order, columnar) => {
        const ds = range(sizes.length).interleave(
          (k) => (columnar ? tracked(sizes[k]!, { chunkSize: 7, columnar: true }).ds.map((x) => x.id) : tracked(sizes[k]!, { chunkSize: 7 }).ds).map((x) => k * 1000 + x),
          { cycleLength, blockLength, order, seed: 4 },
        );
        const out = await ds.toArray();
        const expected = sizes.flatMap((n, k) => Array.from({ length: n }, (_, i) => k * 1000 + i));
        assert.deepEqual(sorted(out), sorted(expected));
        // Within one inner dataset, order is kept.
        for (let k = 0; k < sizes.length; k++) {
          const mine = out.filter((x) => Math.floor(x / 1000) === k);
          assert.deepEqual(mine, sorted(mine));
        }
      },
    ),
    { numRuns: 150 },
  );
});

test('columnar inner chunks stay columnar', async () => {
  const ds = range(3).interleave(() => tracked(5000, { chunkSize: 100, columnar: true }).ds, { cycleLength: 3, blockLength: 64 });
  for await (const chunk of ds.chunks()) {
    assert.ok(!Array.isArray(chunk), 'a ColumnChunk');
    break;
  }
});

test('break closes every open inner dataset and the outer one', async () => {
  const trackers: Tracker[] = [];
  const outer = tracked(10, { chunkSize: 2 });
  const ds = outer.ds.interleave(() => {
    const t = tracked(5000, { chunkSize: 3 });
    trackers.push(t.tracker);
    return t.ds;
  }, { cycleLength: 3, order: 'random' });
  let n = 0;
  for await (const _ of ds) if (++n === 20) break;
  assert.equal(trackers.length, 3);
  for (const t of trackers) assert.equal(t.closed, t.opened);
  assert.equal(outer.tracker.closed, 1);
});

test('an error in fn or in an inner dataset reaches the consumer', async () => {
  await assert.rejects(range(5).interleave((i) => { if (i === 3) throw new Error('no such block'); return range(2); }).toArray(), (e: unknown) => e instanceof StageError && /no such block at element 3/.test(e.message));
  await assert.rejects(range(3).interleave(() => tracked(50, { failAt: 30 }).ds).toArray(), /source failed at 30/);
});
