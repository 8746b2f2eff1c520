// toTfDataset closes what tf abandons: tf never calls return() on an iterator it stops
// reading (stopTraining, earlyStopping, evaluateDataset({ batches })), so the sluice epoch
// behind it is closed when tf asks for the next iterator, or by close().
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '../../src/tf/tf.js';
import { AbortError, Dataset } from '../../src/index.js';
import { toTfDataset, useBackend } from '../../src/tf/index.js';
import { tracked } from '../helpers/sources.js';

/** 64 batches of 8 rows { a, y } (y = 2a), counting epochs opened and closed. */
function batches() {
  const { ds, tracker } = tracked(512, { chunkSize: 64, columnar: true });
  const rows = new Dataset(ds.source).map((r) => ({ a: r.half / 256, y: r.half / 128 }));
  return { data: toTfDataset(rows.batch(8), { xs: 'a', ys: 'y', exampleShape: [1] }), tracker };
}

function model(): tf.LayersModel {
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
  m.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
  return m;
}

test('stopTraining, earlyStopping, evaluateDataset({ batches }) and another fit: every epoch opened is closed', async () => {
  await useBackend('cpu');
  const { data, tracker } = batches();
  const m = model();
  // stopTraining after 3 batches: tf abandons the epoch mid-way.
  await m.fitDataset(data, {
    epochs: 5,
    verbose: 0,
    callbacks: { onBatchEnd: async (batch) => void (batch === 2 && (m.stopTraining = true)) },
  });
  // earlyStopping on a loss that cannot improve (patience 0): stops after its second epoch.
  await m.fitDataset(data, { epochs: 10, verbose: 0, callbacks: [tf.callbacks.earlyStopping({ monitor: 'loss', patience: 0, minDelta: 1e9 })] });
  // evaluateDataset reads 2 batches and leaves the rest of the epoch open.
  const r1 = (await m.evaluateDataset(data as never, { batches: 2 })) as tf.Scalar;
  const r2 = (await m.evaluateDataset(data as never, { batches: 2 })) as tf.Scalar;
  tf.dispose([r1, r2]);
  await m.fitDataset(data, { epochs: 1, verbose: 0 });
  await data.close();
  assert.ok(tracker.opened >= 5, `opened ${tracker.opened}`);
  assert.equal(tracker.closed, tracker.opened, `opened ${tracker.opened}, closed ${tracker.closed}`);
  m.dispose();
});

test('a new iterator closes the previous epoch before the next one opens', async () => {
  await useBackend('cpu');
  const { data, tracker } = batches();
  const it1 = await data.iterator();
  tf.dispose((await it1.next()).value);
  assert.deepEqual([tracker.opened, tracker.closed], [1, 0]);
  const it2 = await data.iterator();
  tf.dispose((await it2.next()).value);
  assert.deepEqual([tracker.opened, tracker.closed], [2, 1]);
  await data.close();
  assert.deepEqual([tracker.opened, tracker.closed], [2, 2]);
  await data.close(); // idempotent
  assert.equal(tracker.closed, 2);
});

test('{ signal }: an abort rejects the pending read with an AbortError and closes the epoch', async () => {
  await useBackend('cpu');
  const { ds, tracker } = tracked(512, { chunkSize: 64, columnar: true });
  const ac = new AbortController();
  const data = toTfDataset(new Dataset(ds.source).map((r) => ({ a: r.half, y: r.half })).batch(8), { xs: 'a', ys: 'y', signal: ac.signal });
  const it = await data.iterator();
  tf.dispose((await it.next()).value);
  ac.abort('stop');
  await assert.rejects(it.next(), (e: unknown) => e instanceof AbortError && e.cause === 'stop');
  await data.close();
  assert.equal(tracker.closed, tracker.opened);
});

test("fitDataset's batchesPerEpoch over ds.repeat(): every tf epoch gets exactly B batches, continuing the stream across passes", async () => {
  await useBackend('cpu');
  // 4 batches of 8 rows per pass; tf epochs of 3 batches: 9 batches over 3 passes.
  const { ds, tracker } = tracked(32, { chunkSize: 8, columnar: true });
  const rows = new Dataset(ds.source).map((r) => ({ id: r.id, a: r.half / 16, y: r.half / 8 }));
  const data = toTfDataset(rows.batch(8).repeat(), { xs: 'a', ys: 'y', exampleShape: [1] });
  const seen: number[][] = [];
  const m = model();
  const realIterator = data.iterator.bind(data);
  // Record each batch's first `a` (row id / 32) as tf reads it, to see the stream continue.
  (data as { iterator: typeof realIterator }).iterator = async () => {
    const it = await realIterator();
    return {
      next: async () => {
        const r = await it.next();
        if (!r.done) seen[seen.length - 1]!.push(Math.round(((r.value.xs as tf.Tensor).dataSync()[0]! * 16) * 2));
        return r;
      },
    } as typeof it;
  };
  const perEpoch: number[] = [];
  await m.fitDataset(data, {
    epochs: 3,
    batchesPerEpoch: 3,
    verbose: 0,
    callbacks: {
      onEpochBegin: async () => void (perEpoch.push(0), seen.push([])),
      onBatchEnd: async () => void perEpoch[perEpoch.length - 1]!++,
    },
  });
  assert.deepEqual(perEpoch, [3, 3, 3], 'exactly batchesPerEpoch batches in every tf epoch');
  // The first row of each batch read: 0, 8, 16, 24, then the next pass from 0 again.
  assert.deepEqual(seen.flat(), [0, 8, 16, 24, 0, 8, 16, 24, 0]);
  assert.equal(tracker.opened, 3, 'one sluice epoch per pass of the data');
  await data.close();
  assert.equal(tracker.closed, tracker.opened, 'close() ends the epoch tf still held');
  m.dispose();
});

test('toTfDataset refuses batchesPerEpoch (fitDataset\'s option) and says what to do; unknown names get a did-you-mean', () => {
  const { ds } = tracked(32, { chunkSize: 8, columnar: true });
  const batches = new Dataset(ds.source).batch(8);
  assert.throws(() => toTfDataset(batches, { xs: 'id', ys: 'half', batchesPerEpoch: 3 } as never), /batchesPerEpoch is fitDataset's option.*ds\.repeat\(\)/);
  assert.throws(() => toTfDataset(batches, { xs: 'id', ys: 'half', exampleshape: [1] } as never), /unknown option 'exampleshape' \(did you mean 'exampleShape'\?\)/);
});
