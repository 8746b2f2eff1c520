import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import * as tf from '../../src/tf/tf.js';
import { embeddingLookup, SparseEmbedding, useBackend } from '../../src/tf/index.js';

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `index ${i}: ${a[i]} vs ${b[i]}`);
}

const idsArb = (rows: number) => fc.array(fc.integer({ min: 0, max: rows - 1 }), { minLength: 1, maxLength: 40 });

test('embeddingLookup: value and gradient equal tf.gather\'s built-in ones on cpu (repeated ids included)', async () => {
  await useBackend('cpu');
  fc.assert(
    fc.property(idsArb(7), fc.integer({ min: 0, max: 1000 }), (ids, seed) => {
      tf.tidy(() => {
        const table = tf.randomNormal([7, 3], 0, 1, 'float32', seed) as tf.Tensor2D;
        const idx = tf.tensor1d(ids, 'int32');
        const w = tf.randomNormal([ids.length, 3], 0, 1, 'float32', seed + 1);
        const loss = (rows: tf.Tensor) => tf.sum(tf.mul(tf.square(rows), w));
        const ours = tf.grad((t: tf.Tensor) => loss(embeddingLookup(t as tf.Tensor2D, idx)))(table);
        const builtin = tf.grad((t: tf.Tensor) => loss(tf.gather(t, idx)))(table);
        close(embeddingLookup(table, idx).dataSync(), tf.gather(table, idx).dataSync());
        close(ours.dataSync(), builtin.dataSync());
      });
    }),
    { numRuns: 30 },
  );
});

test('SparseEmbedding: the sparse gradient stands for the built-in dense gradient of gather on cpu', async () => {
  await useBackend('cpu');
  fc.assert(
    fc.property(idsArb(9), fc.integer({ min: 0, max: 1000 }), (ids, seed) => {
      const emb = new SparseEmbedding(9, 4, { seed });
      const idArr = Int32Array.from(ids);
      tf.tidy(() => {
        const w = tf.randomNormal([ids.length, 4], 0, 1, 'float32', seed);
        const loss = (rows: tf.Tensor) => tf.sum(tf.mul(tf.sin(rows), w));
        // Ours: gradient with respect to the looked-up rows, scatter-added.
        const rowsGrad = tf.grad(loss)(emb.lookup(idArr));
        const ours = emb.denseGradient(idArr, rowsGrad.dataSync());
        const table = tf.tensor2d(emb.table, [9, 4]);
        const builtin = tf.grad((t: tf.Tensor) => loss(tf.gather(t, tf.tensor1d(ids, 'int32'))))(table);
        close(ours, builtin.dataSync());
      });
    }),
    { numRuns: 30 },
  );
});

test('SparseEmbedding: lazy Adam equals dense tf Adam on the rows it touches, and leaves the others alone', async () => {
  await useBackend('cpu');
  const rows = 6;
  const dim = 3;
  const emb = new SparseEmbedding(rows, dim, { seed: 3, learningRate: 0.05, epsilon: 1e-7 });
  const before = emb.table.slice();
  const variable = tf.variable(tf.tensor2d(before.slice(0, 3 * dim), [3, dim]));
  const adam = tf.train.adam(0.05, 0.9, 0.999, 1e-7);
  // Every step touches rows 0..2 (a repeat included); rows 3..5 are never seen.
  const ids = Int32Array.from([0, 1, 2, 1]);
  for (let step = 0; step < 5; step++) {
    const target = tf.tensor2d(Array.from({ length: 4 * dim }, (_, i) => Math.sin(i + step)), [4, dim]);
    const lossOf = (rows: tf.Tensor) => tf.sum(tf.square(tf.sub(rows, target)));
    const g = tf.grad(lossOf)(emb.lookup(ids));
    emb.applyGradient(ids, g.dataSync());
    adam.minimize(() => lossOf(tf.gather(variable, tf.tensor1d(ids, 'int32'))) as tf.Scalar);
  }
  close(emb.table.subarray(0, 3 * dim), variable.dataSync(), 1e-4);
  assert.deepEqual(Array.from(emb.table.subarray(3 * dim)), Array.from(before.subarray(3 * dim)));
});

test('embeddingLookup trains on wasm (where tf.gather has no gradient)', async () => {
  await useBackend('wasm');
  const table = tf.variable(tf.ones([5, 2]));
  const ids = tf.tensor1d([4, 0, 4], 'int32');
  const g = tf.grad((t: tf.Tensor) => tf.sum(embeddingLookup(t as tf.Tensor2D, ids)))(table);
  assert.deepEqual(Array.from(g.dataSync()), [1, 1, 0, 0, 0, 0, 0, 0, 2, 2]);
  assert.throws(() => tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, ids)))(table));
});

test('SparseEmbedding: a step at MovieLens-25M size does not cost O(table)', () => {
  // Counted, not timed: every element read or written in the table, the Adam moments and the
  // row slots during one step. A step must touch the same elements whatever the table size
  // (a dense update, or a reset of every slot, would touch ~rows × dim).
  const ids = Int32Array.from({ length: 1024 }, (_, i) => (i * 7919) % 1000);
  const grad = new Float32Array(1024 * 32).fill(0.1);
  const touched = (rows: number): number => {
    const e = new SparseEmbedding(rows, 32, { initScale: 0 });
    e.applyGradient(ids, grad); // first step: scratch arrays allocated
    let count = 0;
    const counting = <A extends object>(a: A): A =>
      new Proxy(a, {
        get: (t, k) => (typeof k === 'string' && /^\d+$/.test(k) && count++, Reflect.get(t, k)),
        set: (t, k, v) => (typeof k === 'string' && /^\d+$/.test(k) && count++, Reflect.set(t, k, v)),
      });
    const fields = e as unknown as Record<'table' | 'm' | 'v' | 'slot', object>;
    for (const f of ['table', 'm', 'v', 'slot'] as const) Object.defineProperty(e, f, { value: counting(fields[f]) });
    e.applyGradient(ids, grad);
    return count;
  };
  const small = touched(1_000);
  const big = touched(209_171);
  assert.equal(big, small, 'the same elements touched at 209,171 rows as at 1,000');
  // 1,000 unique rows × 32: penalty reads of the table per id, Adam's m, v and table per unique row.
  assert.ok(small <= 1024 * 32 + 1000 * 32 * 6 + 4 * 1024, `${small} elements touched`);
});
