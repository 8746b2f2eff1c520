import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '../../src/tf/tf.js';
import { ColumnChunk, Dataset, fromIterable, range } from '../../src/index.js';
import { toTfDataset, useBackend } from '../../src/tf/index.js';

/** A source that emits columnar chunks with a schema, as csv does. */
const columnar = (n: number) =>
  new Dataset<{ userId: number; movieId: number; rating: number }>({
    size: n,
    schema: { userId: 'int32', movieId: 'int32', rating: 'float32' },
    open: () =>
      (async function* () {
        const u = Int32Array.from({ length: n }, (_, i) => i % 7);
        const m = Int32Array.from({ length: n }, (_, i) => (i * 3) % 11);
        const r = Float32Array.from({ length: n }, (_, i) => (i % 10) / 2);
        yield new ColumnChunk<{ userId: number; movieId: number; rating: number }>(n, { userId: u, movieId: m, rating: r });
        return undefined;
      })(),
  });

const records = (n: number) => range(n).map((i) => ({ userId: i % 7, movieId: (i * 3) % 11, rating: (i % 10) / 2 }));

test('elements are { xs, ys } tensors: int32 ids, float32 values, made from the batch columns', async () => {
  await useBackend('cpu');
  const ds = toTfDataset(columnar(10).batch(4), { xs: ['userId', 'movieId'], ys: 'rating' });
  assert.equal(ds.size, 3);
  const all = await ds.toArray();
  assert.equal(all.length, 3);
  const first = all[0]!;
  const [u, m] = first.xs as tf.Tensor[];
  assert.equal(u!.dtype, 'int32');
  assert.equal(m!.dtype, 'int32');
  assert.equal((first.ys as tf.Tensor).dtype, 'float32');
  assert.deepEqual(Array.from(u!.dataSync()), [0, 1, 2, 3]);
  assert.deepEqual(Array.from((first.ys as tf.Tensor).dataSync()), [0, 0.5, 1, 1.5]);
  assert.deepEqual((all[2]!.ys as tf.Tensor).shape, [2]);
  tf.dispose(all as unknown as tf.TensorContainer);
});

test('xs as a map from input name to column; exampleShape adds a trailing axis; dtype overrides', async () => {
  await useBackend('cpu');
  const ds = toTfDataset(records(5).batch(5), { xs: { user: 'userId', item: 'movieId' }, ys: 'rating', exampleShape: [1], dtype: { userId: 'int32' } });
  const [el] = await ds.toArray();
  const xs = el!.xs as Record<string, tf.Tensor>;
  assert.deepEqual(Object.keys(xs), ['user', 'item']);
  assert.equal(xs.user!.dtype, 'int32'); // named
  assert.equal(xs.item!.dtype, 'float32'); // Float64Array column of schema-less records
  assert.deepEqual(xs.user!.shape, [5, 1]);
  tf.dispose(el as unknown as tf.TensorContainer);
});

test('each epoch opens a fresh sluice epoch (reshuffled), and a missing column is named', async () => {
  await useBackend('cpu');
  const ds = toTfDataset(records(20).shuffle(20, { seed: 1 }).batch(20), { xs: ['userId'], ys: 'rating' });
  const e1 = await ds.toArray();
  const e2 = await ds.toArray();
  const a = Array.from((e1[0]!.ys as tf.Tensor).dataSync());
  const b = Array.from((e2[0]!.ys as tf.Tensor).dataSync());
  assert.deepEqual([...a].sort(), [...b].sort());
  assert.notDeepEqual(a, b);
  tf.dispose([e1, e2] as unknown as tf.TensorContainer);
  // @ts-expect-error a misspelt column is a compile error; the run-time check stays for untyped code
  const bad = toTfDataset(records(3).batch(3), { xs: ['nope'], ys: 'rating' });
  await assert.rejects(bad.toArray(), /no column 'nope'/);
});

test('fitDataset trains a small model, knows its steps, and leaks no tensors across epochs', async () => {
  await useBackend('cpu');
  const data = range(512).map((i) => ({ a: (i % 13) / 13, b: (i % 7) / 7, y: (2 * (i % 13)) / 13 - (i % 7) / 7 + 0.5 }));
  const ds = toTfDataset(data.shuffle(512, { seed: 2 }).batch(64), { xs: ['a', 'b'], ys: 'y' });
  const a = tf.input({ shape: [] });
  const b = tf.input({ shape: [] });
  const stack = tf.layers.concatenate().apply([tf.layers.reshape({ targetShape: [1] }).apply(a) as tf.SymbolicTensor, tf.layers.reshape({ targetShape: [1] }).apply(b) as tf.SymbolicTensor]);
  const out = tf.layers.reshape({ targetShape: [] }).apply(tf.layers.dense({ units: 1 }).apply(stack)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: [a, b], outputs: out });
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
  const counts: number[] = [];
  const steps: number[] = [];
  const history = await model.fitDataset(ds, {
    epochs: 4,
    verbose: 0,
    callbacks: {
      onEpochEnd: async () => void counts.push(tf.memory().numTensors),
      onBatchEnd: async (batch) => void steps.push(batch),
    },
  });
  assert.equal(steps.length, 4 * 8);
  const loss = history.history.loss as number[];
  assert.ok(loss[3]! < loss[0]!, `loss ${loss.join(', ')}`);
  assert.equal(counts[2], counts[0], `numTensors per epoch: ${counts.join(', ')}`);
  assert.equal(counts[3], counts[0]);
  model.dispose();
});

test('already-split { xs, ys } typed-array batches pass straight through', async () => {
  await useBackend('cpu');
  const ds = toTfDataset(fromIterable([{ xs: [Int32Array.of(1, 2), Int32Array.of(3, 4)] as [Int32Array, Int32Array], ys: Float32Array.of(0.5, 1) }]));
  const [el] = await ds.toArray();
  const [u, i] = el!.xs as tf.Tensor[];
  assert.equal(u!.dtype, 'int32');
  assert.deepEqual(Array.from(i!.dataSync()), [3, 4]);
  assert.deepEqual(Array.from((el!.ys as tf.Tensor).dataSync()), [0.5, 1]);
  tf.dispose(el as unknown as tf.TensorContainer);
});

test('reuseBatches: on wasm each batch goes back once its tensors are made, and the tensors keep their values; on cpu none goes back', async () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    await useBackend(backend);
    const batches: { columns: { a: ArrayLike<number> } }[] = [];
    const ds = range(40)
      .map((i) => ({ a: i, y: 2 * i }))
      .batch(8)
      .map((b) => (batches.push(b), b));
    const all = await toTfDataset(ds, { xs: ['a'], ys: 'y', reuseBatches: true }).toArray();
    // Later batches were written into the memory of earlier ones (on wasm): the tensors copied first.
    assert.deepEqual(all.map((el) => Array.from(((el.xs as tf.Tensor[])[0]!).dataSync())).flat(), Array.from({ length: 40 }, (_, i) => i));
    assert.deepEqual(all.map((el) => Array.from((el.ys as tf.Tensor).dataSync())).flat(), Array.from({ length: 40 }, (_, i) => 2 * i));
    assert.deepEqual(batches.map((b) => b.columns.a.length), backend === 'wasm' ? [0, 0, 0, 0, 0] : [8, 8, 8, 8, 8], backend);
    tf.dispose(all as unknown as tf.TensorContainer);
  }
  assert.throws(() => toTfDataset(records(3).batch(3), { xs: ['userId'], ys: 'rating', reuseBatches: 1 as unknown as boolean }), /reuseBatches must be a boolean/);
});
