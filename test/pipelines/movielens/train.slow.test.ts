// Training runs long enough to judge a model (tens of seconds on a loaded machine): slow
// tests, run by `npm run test:slow`.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRatings } from '../../../pipelines/synthetic/generate.js';
import { trainRecommender } from '../../../pipelines/movielens/train.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('on synthetic data the recommender gets within 10% of the true model\'s test RMSE (wasm, streamed)', async () => {
  const f = path.join(dir, 'syn.csv');
  const truth = await generateRatings(f, { rows: 60_000, seed: 4 });
  const r = await trainRecommender(f, { backend: 'wasm', epochs: 6 });
  assert.equal(r.backend, 'wasm');
  assert.equal(r.rows + r.testRows, 60_000);
  assert.equal(r.testRows, truth.testRows);
  assert.ok(r.testRmse < truth.trueTestRmse * 1.1, `test RMSE ${r.testRmse} vs true ${truth.trueTestRmse}`);
  assert.ok(r.testMae > 0 && r.testMae < r.testRmse);
  assert.ok(r.loaderWaitFraction >= 0 && r.loaderWaitFraction < 1);
});

test('the worker-thread loader and the in-thread loader give the same batches, so the same model', async () => {
  const f = path.join(dir, 'same.csv');
  await generateRatings(f, { rows: 8000, seed: 6 });
  const a = await trainRecommender(f, { backend: 'cpu', epochs: 2, batch: 256, dim: 4, loader: 'worker' });
  const b = await trainRecommender(f, { backend: 'cpu', epochs: 2, batch: 256, dim: 4, loader: 'main' });
  assert.equal(a.testRmse, b.testRmse);
  assert.equal(a.trainRmse, b.trainRmse);
});
