import assert from 'node:assert/strict';
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRatings } from '../../../pipelines/synthetic/generate.js';
import { trainRecommender } from '../../../pipelines/movielens/train.js';
import { indexRatings } from '../../../pipelines/movielens/ids.js';
import { readRatings } from '../../../pipelines/movielens/read.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));

test('ids map to rows in id order with one streaming pass; train/test counts add up', async () => {
  const f = path.join(dir, 'ids.csv');
  fs.writeFileSync(f, 'userId,movieId,rating\n10,500,4\n3,7,2\n10,7,5\n99999999,1,1\n');
  const index = await indexRatings(readRatings(f, { delimiter: ',', header: true }));
  assert.equal(index.users.size, 3);
  assert.equal(index.items.size, 3);
  assert.deepEqual([3, 10, 99999999, 4].map((u) => index.users.rowOf(u)), [0, 1, 2, -1]);
  assert.deepEqual([1, 7, 500].map((m) => index.items.rowOf(m)), [0, 1, 2]);
  assert.equal(index.trainRows, 4);
  assert.equal(index.mean, 3);
});

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

test('a separate test file (ml-100k u1.base / u1.test layout) is used as given', async () => {
  const base = path.join(dir, 'u1.base');
  const testFile = path.join(dir, 'u1.test');
  await generateRatings(base, { rows: 5000, seed: 1, format: 'tsv', users: 60, items: 200 });
  fs.writeFileSync(testFile, '1\t2\t4\t0\n123456\t2\t3\t0\n');
  const r = await trainRecommender(base, { test: testFile, backend: 'cpu', epochs: 1, batch: 512 });
  assert.equal(r.rows, 5000);
  assert.equal(r.testRows, 2); // the unknown user is scored from the item bias and mean
  assert.ok(Number.isFinite(r.testRmse));
});

test('the worker-thread loader and the in-thread loader give the same batches, so the same model', async () => {
  const f = path.join(dir, 'same.csv');
  await generateRatings(f, { rows: 8000, seed: 6 });
  const a = await trainRecommender(f, { backend: 'cpu', epochs: 2, batch: 256, dim: 4, loader: 'worker' });
  const b = await trainRecommender(f, { backend: 'cpu', epochs: 2, batch: 256, dim: 4, loader: 'main' });
  assert.equal(a.testRmse, b.testRmse);
  assert.equal(a.trainRmse, b.trainRmse);
});
