// Training throughput: does streaming from the file cost anything over pre-built batches?
//   node --import tsx bench/train.ts [--rows N] [--epochs E] [--batch B] [--dim D]
//        [--backend wasm] [--repeats R] [--steps S] [--shuffle ROWS] [--loader worker|main]
//        [--file RATINGS] [--json OUT]
// 1. file vs memory: the same batches (same shuffle seeds, same order) are trained on
//    (a) straight from the ratings file through sluice (read → split/ids → shuffle → batch
//    → prefetch), and (b) from arrays built beforehand; a fresh model with the same seed
//    each time, interleaved `repeats` times, best time of each kept. Ratio = a / b.
// 2. samples/s at batch B for the MovieLens-100k table size (943 × 1682) and the 25M size
//    (162,541 × 209,171), in memory, ids drawn uniformly.
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ColumnBatch } from '../src/index.js';
import { BiasedMF, useBackend, type BackendChoice } from '../src/tf/index.js';
import { generateRatings } from '../pipelines/synthetic/generate.js';
import { detectFormat } from '../pipelines/movielens/format.js';
import { indexRatings } from '../pipelines/movielens/ids.js';
import { readRatings } from '../pipelines/movielens/read.js';
import { DEFAULTS, trainingBatches, type Example, type ExampleColumns } from '../pipelines/movielens/train.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    epochs: { type: 'string', default: '2' },
    batch: { type: 'string', default: '1024' },
    dim: { type: 'string', default: '32' },
    backend: { type: 'string', default: 'wasm' },
    repeats: { type: 'string', default: '2' },
    steps: { type: 'string', default: '300' },
    file: { type: 'string' },
    loader: { type: 'string', default: 'worker' },
    shuffle: { type: 'string', default: String(DEFAULTS.shuffleBuffer) },
    json: { type: 'string' },
  },
});
const rows = Number(values.rows);
const epochs = Number(values.epochs);
const batch = Number(values.batch);
const dim = Number(values.dim);
const repeats = Number(values.repeats);
const steps = Number(values.steps);
const backend = await useBackend(values.backend as BackendChoice);

let file = values.file;
if (file === undefined) {
  file = path.join(mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-')), 'ratings.csv');
  await generateRatings(file, { rows, seed: 1 });
}
const format = await detectFormat(file);
const split = { fraction: 0.1, seed: 0 };
const index = await indexRatings(readRatings(file, format), split);
const loader = values.loader === 'main' ? 'main' : 'worker';
const options = { shuffleBuffer: Math.min(Number(values.shuffle), index.trainRows), batch, seed: 0 };
// One dataset for all runs: with the worker loader its thread is started once (and warmed
// by the loader-only pass), as in a real multi-epoch run. Epochs are pinned by number, so
// every run sees the same batches.
const streamed = trainingBatches(file, format, index, split, { ...options, epochs, loader });
const inThread = trainingBatches(file, format, index, split, { ...options, epochs, loader: 'main' });
const newModel = () => new BiasedMF({ users: index.users.size, items: index.items.size, dim, globalMean: index.mean, seed: 0 });
type Cols = { user: Int32Array; item: Int32Array; rating: Float32Array };

// Loader alone (all epochs), after a short pass that starts (and compiles) the worker.
for await (const b of streamed.take(1).iterator({ epoch: 0 })) void b;
let t = performance.now();
let loaded = 0;
for await (const b of streamed.iterator({ epoch: 0 })) loaded += b.size;
loaded /= 1; // rows over all epochs
const loaderSeconds = (performance.now() - t) / 1000;

// The same batches, pre-built: the same all-epochs stream, built in this thread and copied out.
const prebuilt: Cols[] = [];
for await (const b of inThread) {
  const c = b.columns as unknown as Cols;
  prebuilt.push({ user: c.user.slice(), item: c.item.slice(), rating: c.rating.slice() });
}

async function fromFile(): Promise<{ seconds: number; wait: number; loss: number; steps: number }> {
  const model = newModel();
  let wait = 0;
  let loss = 0;
  let stepMs = 0;
  const start = performance.now();
  // All epochs as one stream, as trainRecommender reads them.
  const it = streamed.chunks({ epoch: 0 })[Symbol.asyncIterator]();
  for (;;) {
    const t0 = performance.now();
    const r = await it.next();
    wait += performance.now() - t0;
    if (r.done) break;
    for (const b of r.value as readonly ColumnBatch<Example, ExampleColumns>[]) {
      const c = b.columns as unknown as Cols;
      const s0 = performance.now();
      loss = model.trainStep(c.user, c.item, c.rating);
      stepMs += performance.now() - s0;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  return { seconds, wait: wait / 1000 / seconds, loss, steps: stepMs / 1000 };
}

function fromMemory(): { seconds: number; loss: number } {
  const model = newModel();
  let loss = 0;
  const start = performance.now();
  for (const c of prebuilt) loss = model.trainStep(c.user, c.item, c.rating);
  return { seconds: (performance.now() - start) / 1000, loss };
}

// Warm the JIT and the backend before timing.
{
  const m = newModel();
  for (const c of prebuilt.slice(0, 30)) m.trainStep(c.user, c.item, c.rating);
}
let bestFile = { seconds: Infinity, wait: 0, loss: 0, steps: 0 };
let bestMem = { seconds: Infinity, loss: 0 };
for (let r = 0; r < repeats; r++) {
  const f = await fromFile();
  const m = fromMemory();
  if (f.seconds < bestFile.seconds) bestFile = f;
  if (m.seconds < bestMem.seconds) bestMem = m;
}
const samples = index.trainRows * epochs;

function tableThroughput(users: number, items: number): number {
  const model = new BiasedMF({ users, items, dim, globalMean: 3.5 });
  let s = 12345;
  const next = (n: number) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % n);
  const batches = Array.from({ length: 16 }, () => ({
    user: Int32Array.from({ length: batch }, () => next(users)),
    item: Int32Array.from({ length: batch }, () => next(items)),
    rating: Float32Array.from({ length: batch }, () => 0.5 + next(10) / 2),
  }));
  for (let i = 0; i < 30; i++) model.trainStep(batches[i % 16]!.user, batches[i % 16]!.item, batches[i % 16]!.rating);
  const start = performance.now();
  for (let i = 0; i < steps; i++) model.trainStep(batches[i % 16]!.user, batches[i % 16]!.item, batches[i % 16]!.rating);
  return (steps * batch) / ((performance.now() - start) / 1000);
}
const small = tableThroughput(943, 1682);
const big = tableThroughput(162_541, 209_171);

const result = {
  backend,
  loader,
  file,
  trainRows: index.trainRows,
  users: index.users.size,
  items: index.items.size,
  epochs,
  batch,
  dim,
  repeats,
  loaderOnlyRowsPerSecond: loaded / loaderSeconds,
  fileSeconds: bestFile.seconds,
  memorySeconds: bestMem.seconds,
  fileOverMemory: bestFile.seconds / bestMem.seconds,
  fileSamplesPerSecond: samples / bestFile.seconds,
  memorySamplesPerSecond: samples / bestMem.seconds,
  loaderWaitFraction: bestFile.wait,
  /** Time inside trainStep during the file run: above memorySeconds, the loader slowed the steps (CPU or cache contention). */
  fileStepSeconds: bestFile.steps,
  sameFinalLoss: bestFile.loss === bestMem.loss,
  samplesPerSecondSmallTable: small,
  samplesPerSecondLargeTable: big,
};
const fmt = (n: number) => Math.round(n).toLocaleString('en');
console.log(`backend ${backend}, loader on ${loader === 'worker' ? 'a worker thread' : 'the main thread'}; ${fmt(index.trainRows)} training rows (${fmt(index.users.size)} users × ${fmt(index.items.size)} items) × ${epochs} epochs, batch ${batch}, dim ${dim}, best of ${repeats}`);
console.table([
  { measure: 'loader only (no training)', seconds: +loaderSeconds.toFixed(2), 'rows or samples/s': fmt(loaded / loaderSeconds) },
  { measure: 'train from file (pipeline)', seconds: +bestFile.seconds.toFixed(2), 'rows or samples/s': fmt(samples / bestFile.seconds) },
  { measure: 'train from pre-built batches', seconds: +bestMem.seconds.toFixed(2), 'rows or samples/s': fmt(samples / bestMem.seconds) },
  { measure: `table 943 × 1682, batch ${batch}`, seconds: NaN, 'rows or samples/s': fmt(small) },
  { measure: `table 162,541 × 209,171, batch ${batch}`, seconds: NaN, 'rows or samples/s': fmt(big) },
]);
console.log(
  `file / memory = ${result.fileOverMemory.toFixed(3)} (target ≤ 1.10); of the file run, ${(bestFile.wait * 100).toFixed(1)}% waited for data and the steps took ` +
    `${bestFile.steps.toFixed(2)} s (${bestMem.seconds.toFixed(2)} s from memory); same final loss: ${result.sameFinalLoss}`,
);
console.log(JSON.stringify(result));
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(result, null, 2) + '\n');
