import assert from 'node:assert/strict';
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sluice } from '../helpers/cli.js';
import { generateRatings } from '../../pipelines/synthetic/generate.js';
import { readCheckpoint } from '../../pipelines/movielens/checkpoint.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));

test('sluice train --checkpoint: a run SIGKILLed mid-epoch resumes and ends with exactly the uninterrupted model', async () => {
  const f = path.join(dir, 'ratings.csv');
  await generateRatings(f, { rows: 20_000, seed: 2 });
  const common = [f, '--epochs', '2', '--batch', '256', '--dim', '8', '--backend', 'cpu', '--seed', '4', '--checkpoint-every', '10', '--loader', 'worker'];
  const a = path.join(dir, 'a');
  const b = path.join(dir, 'b');
  const ja = path.join(dir, 'a.json');
  const jb = path.join(dir, 'b.json');
  const [whole, killed] = await Promise.all([
    sluice(['train', ...common, '--checkpoint', a, '--json', ja]),
    sluice(['train', ...common, '--checkpoint', b], { env: { ...process.env, SLUICE_TEST_KILL_AFTER_BATCHES: String(70 + 15) } }),
  ]);
  assert.equal(whole.code, 0, whole.err);
  assert.notEqual(killed.code, 0);
  const mid = readCheckpoint(b)!;
  assert.equal(mid.header.cursor.epoch, 1);
  assert.ok(mid.header.cursor.position >= 10 && mid.header.cursor.position % 10 === 0, JSON.stringify(mid.header.cursor));

  const resumed = await sluice(['train', ...common, '--checkpoint', b, '--json', jb]);
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(resumed.out, new RegExp(`resumed from epoch 1, batch ${mid.header.cursor.position}`));
  const ra = JSON.parse(fs.readFileSync(ja, 'utf8'));
  const rb = JSON.parse(fs.readFileSync(jb, 'utf8'));
  assert.equal(rb.testRmse, ra.testRmse);
  assert.equal(rb.trainRmse, ra.trainRmse);
  assert.deepEqual(rb.resumedFrom, mid.header.cursor);
  // Tables, Adam moments and step counters: bit for bit.
  const ca = readCheckpoint(a)!;
  const cb = readCheckpoint(b)!;
  assert.deepEqual(cb.header.cursor, { epoch: 2, position: 0 });
  assert.deepEqual(cb.model, ca.model);

  const other = await sluice(['train', ...common, '--lr', '0.01', '--checkpoint', b]);
  assert.equal(other.code, 3);
  assert.match(other.err, /different run.*lr 0.005 → 0.01/);
  const bad = await sluice(['train', f, '--shuffle', 'perfect']);
  assert.match(bad.err, /--shuffle must be block, buffer or memory/);
});
