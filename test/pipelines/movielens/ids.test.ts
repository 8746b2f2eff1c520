import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { IdIndex } from '../../../pipelines/movielens/ids.js';

test('IdIndex.ids() → fromIds() restores every row, sparse (huge, negative) ids included', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), { maxLength: 200 }), (raw) => {
      const a = new IdIndex();
      for (const id of raw) a.add(id);
      a.freeze();
      const b = IdIndex.fromIds(JSON.parse(JSON.stringify(a.ids())) as number[]);
      assert.equal(b.size, a.size);
      for (const id of raw) assert.equal(b.rowOf(id), a.rowOf(id));
      assert.equal(b.rowOf(6001), a.rowOf(6001));
    }),
    { numRuns: 100 },
  );
});

test('IdIndex.fromIds refuses duplicates and ids out of order', () => {
  assert.throws(() => IdIndex.fromIds([1, 1]), /ids\[1\] = 1/);
  assert.throws(() => IdIndex.fromIds([5, 2]), /out of the order/);
  assert.throws(() => IdIndex.fromIds([1.5]), /integers/);
});
