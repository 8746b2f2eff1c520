import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ColumnChunk, Dataset, range, StageError } from '../../src/index.js';
import { sorted, tracked, type Tracker } from '../helpers/sources.js';

/**
 * tf.data's interleave (InterleaveDatasetOp's GetNext, deterministic): `cycleLength` slots
 * visited in turn, an empty slot opened with the next input element when its turn comes, up to
 * `blockLength` elements from a slot, an exhausted one emptied and the turn moved on. Inner k
 * holds k*1000 .. k*1000+sizes[k]-1.
 */
function tfDataInterleave(sizes: readonly number[], cycleLength: number, blockLength: number): number[] {
  const out: number[] = [];
  const slots: ({ k: number; at: number } | undefined)[] = Array.from({ length: cycleLength }, () => undefined);
  let input = 0;
  let open = 0;
  let index = 0;
  let block = 0;
  const advance = () => ((index = (index + 1) % cycleLength), (block = 0));
  while (input < sizes.length || open > 0) {
    const slot = slots[index];
    if (slot === undefined) {
      if (input < sizes.length) (slots[index] = { k: input++, at: 0 }), open++;
      else advance();
    } else if (slot.at < sizes[slot.k]!) {
      out.push(slot.k * 1000 + slot.at++);
      if (++block === blockLength) advance();
    } else {
      slots[index] = undefined;
      open--;
      advance();
    }
  }
  return out;
}

test('the tf.data model: an exhausted slot is refilled when its turn comes round', () => {
  // Sizes 5, 1, 5, 5 over 3 slots: B ends; its slot gets D, read only on the slot's next turn.
  const name = (x: number) => 'ABCD'[Math.floor(x / 1000)]! + (x % 1000);
  assert.equal(tfDataInterleave([5, 1, 5, 5], 3, 1).map(name).join(' '), 'A0 B0 C0 A1 C1 A2 D0 C2 A3 D1 C3 A4 D2 C4 D3 D4');
});

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
        // In cycle order, exactly tf.data's sequence.
        if (order === 'cycle') assert.deepEqual(out, tfDataInterleave(sizes, cycleLength, blockLength));
      },
    ),
    { numRuns: 150 },
  );
});

test('columnar inner chunks stay columnar, in cycle order, every row once', async () => {
  // Inner k holds ids k*1000 .. k*1000+499 in ColumnChunks of 100.
  const inner = (k: number) =>
    new Dataset<{ id: number }>({
      size: 500,
      open: async function* () {
        for (let s = 0; s < 500; s += 100) yield new ColumnChunk(100, { id: Int32Array.from({ length: 100 }, (_, i) => k * 1000 + s + i) });
        return undefined;
      },
    });
  const ids: number[] = [];
  for await (const chunk of range(3).interleave(inner, { cycleLength: 3, blockLength: 64 }).chunks()) {
    assert.ok(chunk instanceof ColumnChunk, 'a ColumnChunk');
    assert.equal(chunk.columns.id.length, chunk.size);
    ids.push(...chunk.columns.id);
  }
  // Blocks of 64 from inner 0, 1, 2 in turn, the last block of each short.
  const expected: number[] = [];
  for (let s = 0; s < 500; s += 64) for (let k = 0; k < 3; k++) for (let i = s; i < Math.min(s + 64, 500); i++) expected.push(k * 1000 + i);
  assert.deepEqual(ids, expected);
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
