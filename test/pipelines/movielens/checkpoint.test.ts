import assert from 'node:assert/strict';
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { ColumnBatch } from '../../../src/index.js';
import { generateRatings } from '../../../pipelines/synthetic/generate.js';
import { detectFormat } from '../../../pipelines/movielens/format.js';
import { indexRatings } from '../../../pipelines/movielens/ids.js';
import { readRatings } from '../../../pipelines/movielens/read.js';
import { trainingBatches, trainingSet, trainRecommender, type Example, type ExampleColumns, type ShuffleMode } from '../../../pipelines/movielens/train.js';
import { CHECKPOINT_FILE, CheckpointError, checkFingerprint, checkResume, readCheckpoint } from '../../../pipelines/movielens/checkpoint.js';
import { BiasedMF } from '../../../src/tf/recommender.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));
const file = path.join(dir, 'sorted.csv');
const ready = generateRatings(file, { rows: 6000, seed: 11, users: 60, items: 150 });
const split = { fraction: 0.1, seed: 0 };

async function setup() {
  await ready;
  const format = await detectFormat(file);
  const index = await indexRatings(readRatings(file, format), split);
  return { format, index };
}

type Cols = { user: Int32Array; item: Int32Array; rating: Float32Array };
/** Each row as "user,item,rating", batch by batch. */
function rowsOf(batches: readonly ColumnBatch<Example, ExampleColumns>[]): string[] {
  const out: string[] = [];
  for (const b of batches) {
    const c = b.columns as unknown as Cols;
    for (let k = 0; k < b.size; k++) out.push(`${c.user[k]},${c.item[k]},${c.rating[k]}`);
  }
  return out;
}

async function collect(mode: ShuffleMode, epochs: number, from = { epoch: 0, position: 0 }, loader: 'main' | 'worker' = 'main') {
  const { format, index } = await setup();
  const ds = trainingBatches(file, format, index, split, { shuffle: mode, shuffleBuffer: mode === 'block' ? 500 : 300, blockShuffle: { blockBytes: 4096, openBlocks: 8 }, batch: 100, seed: 3, epochs, from, loader });
  const out: ColumnBatch<Example, ExampleColumns>[] = [];
  for await (const b of ds.iterator({ epoch: 0 })) out.push(b);
  return out;
}

for (const mode of ['buffer', 'block', 'memory'] as const) {
  test(`shuffle '${mode}': every training row exactly once per epoch, deterministic, a new order each epoch`, async () => {
    const { format, index } = await setup();
    const expected = rowsOf((await trainingSet(file, format, index, split).batch(1 << 20).toArray()) as ColumnBatch<Example, ExampleColumns>[]).sort();
    const two = await collect(mode, 2);
    const perEpoch = Math.ceil(index.trainRows / 100);
    assert.equal(two.length, 2 * perEpoch);
    const e0 = rowsOf(two.slice(0, perEpoch));
    const e1 = rowsOf(two.slice(perEpoch));
    assert.deepEqual([...e0].sort(), expected);
    assert.deepEqual([...e1].sort(), expected);
    assert.notDeepEqual(e0, e1);
    assert.deepEqual(rowsOf(await collect(mode, 2)), [...e0, ...e1]);
    if (mode !== 'buffer') {
      // The first batch spans many users, although the file is sorted by user.
      const users = new Set((two[0]!.columns as unknown as Cols).user);
      assert.ok(users.size > 10, `${users.size} users in the first batch`);
    }
  });
}

test('a resumed stream (any epoch, any position) is exactly the rest of the uninterrupted one, worker loader too', async () => {
  const wholeBatches = await collect('block', 2);
  const whole = rowsOf(wholeBatches);
  const perEpoch = Math.ceil((await setup()).index.trainRows / 100);
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 2 * perEpoch }), async (at) => {
      const from = { epoch: Math.floor(at / perEpoch), position: at % perEpoch };
      const before = rowsOf((await collect('block', 2)).slice(0, at));
      const after = rowsOf(await collect('block', 2, from));
      // In order: before + after is the uninterrupted stream (so, as a multiset, too).
      assert.deepEqual([...before, ...after], whole);
      assert.deepEqual([...before, ...after].sort(), [...whole].sort());
    }),
    { numRuns: 6 },
  );
  const viaWorker = rowsOf(await collect('block', 2, { epoch: 1, position: 7 }, 'worker'));
  assert.deepEqual(viaWorker, rowsOf(wholeBatches.slice(perEpoch + 7)));
});

test('BiasedMF state round-trips: load(state()) then the same steps give the same tables', async () => {
  const a = new BiasedMF({ users: 5, items: 7, dim: 3, seed: 1 });
  const u = Int32Array.from([0, 1, 4, 1]);
  const i = Int32Array.from([6, 2, 0, 2]);
  const r = Float32Array.from([4, 3, 5, 1]);
  a.trainStep(u, i, r);
  const s = a.state();
  const copy = { ...s, tables: Object.fromEntries(Object.entries(s.tables).map(([k, t]) => [k, { table: t.table.slice(), m: t.m.slice(), v: t.v.slice(), step: t.step }])) } as typeof s;
  const b = new BiasedMF({ users: 5, items: 7, dim: 3, seed: 99 });
  b.load(copy);
  a.trainStep(u, i, r);
  b.trainStep(u, i, r);
  assert.deepEqual(b.userFactors.table, a.userFactors.table);
  assert.deepEqual(b.itemBias.table, a.itemBias.table);
});

test('training interrupted mid-epoch and resumed from its checkpoint ends with exactly the uninterrupted model', async () => {
  await ready;
  const options = { backend: 'cpu' as const, epochs: 3, batch: 128, dim: 4, seed: 5, shuffle: 'block' as const, shuffleBuffer: 800, loader: 'main' as const, checkpointEvery: 7 };
  const reference = await trainRecommender(file, options);
  const ckpt = path.join(dir, 'ckpt');
  const crashAt = 43 + 10; // epoch 1 (43 batches an epoch), batch 10: the last checkpoint is at its batch 7
  await assert.rejects(
    trainRecommender(file, {
      ...options,
      checkpoint: ckpt,
      onBatch: ({ epoch, batch, batches }) => {
        if (epoch * batches + batch === crashAt) throw new Error('crash');
      },
    }),
    /crash/,
  );
  const saved = readCheckpoint(ckpt)!;
  assert.equal(saved.header.cursor.epoch, 1);
  assert.deepEqual(saved.header.cursor, { epoch: 1, position: 7 });
  const resumed = await trainRecommender(file, { ...options, checkpoint: ckpt });
  assert.deepEqual(resumed.resumedFrom, saved.header.cursor);
  assert.equal(resumed.batchesTrained, 3 * 43 - (43 + saved.header.cursor.position));
  assert.equal(resumed.testRmse, reference.testRmse);
  assert.equal(resumed.trainRmse, reference.trainRmse);
  // The final checkpoint is the end of the run: the model's tables equal the reference's.
  const end = readCheckpoint(ckpt)!;
  assert.deepEqual(end.header.cursor, { epoch: 3, position: 0 });
  assert.ok(fs.readdirSync(ckpt).every((f) => f === CHECKPOINT_FILE), 'no temp files left');

  // Other options or another file: refused, naming what differs.
  await assert.rejects(trainRecommender(file, { ...options, checkpoint: ckpt, dim: 8 }), /different run.*dim 4 → 8/);
  const other = path.join(dir, 'other.csv');
  fs.copyFileSync(file, other);
  await assert.rejects(trainRecommender(other, { ...options, checkpoint: ckpt }), /different run.*file/);

  // A damaged checkpoint (any flipped byte: a table, the header, the cursor) is refused naming the file; an orphaned temp file is removed on the next write.
  const target = path.join(ckpt, CHECKPOINT_FILE);
  const good = fs.readFileSync(target);
  for (const at of [12, 40, Math.floor(good.length / 2), good.length - 40, good.length - 1]) {
    const bad = Buffer.from(good);
    bad[at] = bad[at]! ^ 0x10;
    fs.writeFileSync(target, bad);
    assert.throws(() => readCheckpoint(ckpt), (e: Error) => e.message.includes(target) && /checksum|header|magic/.test(e.message), `byte ${at}`);
  }
  const fresh = path.join(dir, 'ckpt-orphan');
  fs.mkdirSync(fresh);
  fs.writeFileSync(path.join(fresh, `${CHECKPOINT_FILE}.tmp-999999999`), 'left by a killed run');
  await trainRecommender(file, { ...options, epochs: 1, checkpoint: fresh });
  assert.deepEqual(fs.readdirSync(fresh), [CHECKPOINT_FILE]);
});

test('checkFingerprint: --epochs is not part of a run (old checkpoints that carry it too); other options are', () => {
  const fp = (options: Record<string, unknown>) => ({ file: '/r.csv', size: 10, mtimeMs: 1, options });
  assert.doesNotThrow(() => checkFingerprint('ck', fp({ epochs: 10, lr: 0.005 }), fp({ lr: 0.005 })));
  assert.throws(() => checkFingerprint('ck', fp({ lr: 0.005 }), fp({ lr: 0.01 })), (e: unknown) => e instanceof CheckpointError && /lr 0.005 → 0.01/.test(e.message));
});

test('checkResume: a cursor past an epoch\'s end is damage; an epoch at or past --epochs says the run already finished', () => {
  assert.doesNotThrow(() => checkResume('ck', { epoch: 2, position: 78 }, 3, 79));
  assert.throws(() => checkResume('ck', { epoch: 0, position: 79 }, 3, 79), /damaged: its cursor \(epoch 0, batch 79\) is past the end of an epoch \(79 batches\)/);
  assert.throws(() => checkResume('ck', { epoch: 3, position: 0 }, 3, 79), /the run already finished 3 epochs, and --epochs is 3: nothing is left to train/);
  assert.throws(() => checkResume('ck', { epoch: 5, position: 2 }, 3, 79), (e: unknown) => e instanceof CheckpointError && /finished 5 epochs and 2 batches of the next/.test(e.message));
});

