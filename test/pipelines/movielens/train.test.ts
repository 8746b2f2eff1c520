import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRatings } from '../../../pipelines/synthetic/generate.js';
import { trainRecommender } from '../../../pipelines/movielens/train.js';
import { indexRatings } from '../../../pipelines/movielens/ids.js';
import { readRatings } from '../../../pipelines/movielens/read.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

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
