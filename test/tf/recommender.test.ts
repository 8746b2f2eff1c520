import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '../../src/tf/tf.js';
import { fromSequence, randomInt } from '../../src/index.js';
import { BiasedMF, recommenderModel, toTfDataset, useBackend } from '../../src/tf/index.js';
import { RatingsGenerator } from '../../pipelines/keras/ratings-generator.js';

/** Ratings from a small known model: user and item effects plus a rank-2 interaction. */
function table(n: number, users: number, items: number) {
  const rand = randomInt(5);
  const user = new Int32Array(n);
  const item = new Int32Array(n);
  const rating = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const u = rand(users);
    const i = rand(items);
    user[k] = u;
    item[k] = i;
    rating[k] = 3 + ((u % 5) - 2) * 0.3 + ((i % 7) - 3) * 0.2 + (u % 2 === i % 2 ? 0.5 : -0.5);
  }
  return { user, item, rating };
}

test('the Keras-style example: a RatingsGenerator Sequence trains the recommender through fromSequence (loss falls over 3 epochs, wasm)', async () => {
  await useBackend('wasm');
  const data = table(4096, 50, 80);
  const gen = new RatingsGenerator(data, { batchSize: 256, shuffle: true, seed: 1 });
  const model = recommenderModel({ users: 50, items: 80, dim: 8, globalMean: 3, learningRate: 0.05 });
  const history = await model.fitDataset(toTfDataset(fromSequence(gen)), { epochs: 3, verbose: 0 });
  const loss = history.history.loss as number[];
  assert.equal(loss.length, 3);
  assert.ok(loss[2]! < loss[1]! && loss[1]! < loss[0]!, `loss ${loss.join(', ')}`);
  model.dispose();
});

test('BiasedMF learns on wasm and its sparse steps leak no tensors', async () => {
  await useBackend('wasm');
  const data = table(8192, 50, 80);
  const model = new BiasedMF({ users: 50, items: 80, dim: 8, learningRate: 0.02, globalMean: 3, l2: 0.001 });
  const mse = () => {
    const p = model.predict(data.user, data.item);
    let s = 0;
    for (let k = 0; k < p.length; k++) s += (p[k]! - data.rating[k]!) ** 2;
    return s / p.length;
  };
  const before = mse();
  const tensors = tf.memory().numTensors;
  for (let epoch = 0; epoch < 5; epoch++) {
    for (let s = 0; s < 8192; s += 512) model.trainStep(data.user.subarray(s, s + 512), data.item.subarray(s, s + 512), data.rating.subarray(s, s + 512));
  }
  assert.equal(tf.memory().numTensors, tensors);
  const after = mse();
  assert.ok(after < before * 0.2, `mse ${before} → ${after}`);
});

test('BiasedMF gives the same model on cpu and wasm (same seed, same batches)', async () => {
  const data = table(2048, 20, 30);
  const run = async (backend: 'cpu' | 'wasm') => {
    await useBackend(backend);
    const model = new BiasedMF({ users: 20, items: 30, dim: 4, seed: 2, globalMean: 3 });
    for (let s = 0; s < 2048; s += 256) model.trainStep(data.user.subarray(s, s + 256), data.item.subarray(s, s + 256), data.rating.subarray(s, s + 256));
    return model.predict(data.user.subarray(0, 50), data.item.subarray(0, 50));
  };
  const a = await run('cpu');
  const b = await run('wasm');
  for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k]! - b[k]!) < 1e-3, `${a[k]} vs ${b[k]}`);
});

/** fitDataset over a RatingsGenerator of these columns (1-D int32 inputs, as the model takes them). */
function fitOn(model: tf.LayersModel, data: { user: Int32Array; item: Int32Array; rating: Float32Array }, epochs = 1, batchSize = 256) {
  return model.fitDataset(toTfDataset(fromSequence(new RatingsGenerator(data, { batchSize, shuffle: false, seed: 1 }))), { epochs, verbose: 0 });
}

test('recommenderModel: an id outside the tables is an error naming users/items and the id, before tf', async () => {
  await useBackend('wasm');
  const model = recommenderModel({ users: 10, items: 20, dim: 4 });
  const rows = (u: number[], i: number[]) => ({ user: Int32Array.from(u), item: Int32Array.from(i), rating: Float32Array.from(u, () => 3) });
  await assert.rejects(fitOn(model, rows([1, 2], [3, 6632]), 1, 2), /items id 6632 is out of range \[0, 19\]/);
  await assert.rejects(fitOn(model, rows([10, 2], [3, 4]), 1, 2), /users id 10 is out of range \[0, 9\].*IdIndex/);
  await assert.rejects(fitOn(model, rows([-1, 2], [3, 4]), 1, 2), /users id -1/);
  model.dispose();
});

test('recommenderModel: l2 shrinks the tables; unknown option names are rejected with a did-you-mean', async () => {
  await useBackend('wasm');
  const data = table(2048, 20, 30);
  const norm = async (l2: number) => {
    const model = recommenderModel({ users: 20, items: 30, dim: 4, globalMean: 3, learningRate: 0.05, l2 });
    await fitOn(model, data, 3);
    const w = model.getLayer('user_factors').getWeights()[0]!;
    const n = tf.sum(tf.square(w)).dataSync()[0]!;
    model.dispose();
    return n;
  };
  const free = await norm(0);
  const held = await norm(0.05);
  assert.ok(held < free * 0.8, `sum of squares ${held} with l2 vs ${free} without`);
  assert.throws(() => recommenderModel({ users: 2, items: 2, lerningRate: 0.1 } as never), /recommenderModel: unknown option 'lerningRate' \(did you mean 'learningRate'\?\)/);
  assert.throws(() => new BiasedMF({ users: 2, items: 2, l3: 1 } as never), /BiasedMF: unknown option 'l3'/);
});
