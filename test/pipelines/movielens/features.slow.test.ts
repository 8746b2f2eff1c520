// The worked example (pipelines/movielens/features.ts) trains: synthetic ml-latest files
// (ratings.csv, movies.csv), a LayersModel fed through toTfDataset / fitDataset, loss falls.
// Slow: TensorFlow.js (wasm) and four epochs of training.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { toTfDataset, useBackend } from '../../../src/tf/index.js';
import * as tf from '../../../src/tf/tf.js';
import { FEATURE_INPUTS, featureModel, movieLensFeatures } from '../../../pipelines/movielens/features.js';
import { generateRatings, generateSideTables } from '../../../pipelines/synthetic/index.js';
import { tempFiles } from '../../helpers/temp-files.js';

const { dir } = tempFiles('sluice-features-train-');

test('a LayersModel trains on the features through toTfDataset / fitDataset: the loss falls (wasm)', { timeout: 300_000 }, async () => {
  const files = { ratings: join(dir, 'ratings.csv'), items: join(dir, 'movies.csv') };
  await generateRatings(files.ratings, { rows: 8000, users: 150, items: 250, seed: 5 });
  await generateSideTables(files.ratings, { format: 'ml-latest', items: files.items, seed: 6 });
  await useBackend('wasm');
  const { batches, fitted } = await movieLensFeatures(files, { batchSize: 256, shuffle: 8000, seed: 2 });
  assert.equal(fitted.occupation.size, 1, 'no user table: one (OOV) occupation id');
  const model = featureModel(fitted, { dim: 8, learningRate: 0.01 });
  const train = toTfDataset(batches, { xs: [...FEATURE_INPUTS], ys: 'rating' });
  const history = await model.fitDataset(train, { epochs: 4, verbose: 0 });
  await train.close();
  const loss = history.history.loss as number[];
  process.stdout.write(`# loss by epoch: ${loss.map((l) => l.toFixed(3)).join(', ')}\n`);
  assert.equal(loss.length, 4);
  assert.ok(loss.every(Number.isFinite));
  assert.ok(loss[3]! < loss[0]! * 0.9, `loss ${loss.join(' → ')}`);
  // Saved and loaded again (its layers registered), it predicts what it did.
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
  const probe = [tf.tensor1d([1, 2], 'int32'), tf.tensor1d([1, 3], 'int32'), tf.tensor1d([0, 0], 'int32'), tf.tensor1d([0, 1], 'int32'), tf.zeros([2, fitted.genres.width])];
  const [before, after] = [model, loaded].map((m) => (m.apply(probe) as tf.Tensor).arraySync() as number[]);
  assert.deepEqual(after, before);
  tf.dispose([...probe]);
  loaded.dispose();
  model.dispose();
});
