import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromSequence } from '../../../src/index.js';
import { RatingsGenerator, type RatingsTable } from '../../../pipelines/keras/ratings-generator.js';

function table(n: number): RatingsTable {
  return {
    user: Int32Array.from({ length: n }, (_, i) => i % 17),
    item: Int32Array.from({ length: n }, (_, i) => i),
    rating: Float32Array.from({ length: n }, (_, i) => (i % 10) / 2 + 0.5),
  };
}

test('floor(n / batchSize) batches of [[user, item], [rating]], every row at most once per epoch', async () => {
  const gen = new RatingsGenerator(table(1000), { batchSize: 64, shuffle: true, seed: 1 });
  assert.equal(gen.length, 15);
  const ds = fromSequence(gen, { workers: 2 });
  const epoch = async () => {
    const items: number[] = [];
    for await (const b of ds) {
      assert.equal(b.xs[0].length, 64);
      for (let k = 0; k < 64; k++) {
        assert.equal(b.xs[0][k], b.xs[1][k]! % 17);
        assert.equal(b.ys[k], (b.xs[1][k]! % 10) / 2 + 0.5);
        items.push(b.xs[1][k]!);
      }
    }
    assert.equal(new Set(items).size, 15 * 64);
    return items;
  };
  const e0 = await epoch();
  const e1 = await epoch();
  assert.notDeepEqual(e0, e1, 'onEpochEnd reshuffled the rows');
});
