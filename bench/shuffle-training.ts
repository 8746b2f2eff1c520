// Does the shuffle change what training learns? On a user-sorted synthetic ratings file (as
// real MovieLens files are sorted), the same recommender (same seed, model, lr, epochs) is
// trained with each shuffle mode, and test RMSE is compared with the perfect shuffle's:
//   (a) buffer: the file in order through a 10k-row shuffle buffer only,
//   (b) block:  shuffledCsv with its defaults (1 MiB blocks, 32 to a stratified window),
//   (c) memory: a perfect in-memory shuffle of all training rows (the reference).
// The true model's test RMSE (the generator knows it) is the floor.
//   node --import tsx bench/shuffle-training.ts [--rows 2000000] [--epochs 4] [--dim 32]
//        [--buffer 10000] [--backend wasm] [--seed 0] [--lr X] [--batch N] [--file RATINGS] [--json OUT]
// All three run in this process, one after the other: peak RSS is the process's so far.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateRatings, type GenerateReport } from '../pipelines/synthetic/generate.js';
import { trainRecommender, type ShuffleMode } from '../pipelines/movielens/train.js';
import type { BackendChoice } from '../src/tf/index.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '2000000' },
    epochs: { type: 'string', default: '4' },
    dim: { type: 'string', default: '32' },
    buffer: { type: 'string', default: '10000' },
    backend: { type: 'string', default: 'wasm' },
    seed: { type: 'string', default: '0' },
    lr: { type: 'string' },
    batch: { type: 'string' },
    loader: { type: 'string', default: 'auto' },
    file: { type: 'string' },
    json: { type: 'string' },
  },
});
const rows = Number(values.rows);
const epochs = Number(values.epochs);
const dim = Number(values.dim);
const buffer = Number(values.buffer);
const seed = Number(values.seed);

let truth: GenerateReport | undefined;
let file = values.file;
let t = performance.now();
if (file === undefined) {
  file = path.join(mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-')), 'ratings.csv');
  truth = await generateRatings(file, { rows, seed: 1 });
  console.error(`generated ${rows.toLocaleString('en')} user-sorted rows in ${((performance.now() - t) / 1000).toFixed(1)} s: ${file}`);
}

interface Row {
  mode: ShuffleMode;
  shuffleBuffer: number | 'default';
  testRmse: number;
  trainRmse: number;
  /** Wall time of the training epochs. */
  trainSeconds: number;
  /** Wall time of the whole call (index pass, training, evaluation). */
  totalSeconds: number;
  peakRssMb: number;
  vsMemoryPct?: number;
}
const results: Row[] = [];
for (const mode of ['buffer', 'block', 'memory'] as const) {
  t = performance.now();
  const r = await trainRecommender(file, {
    epochs,
    dim,
    seed,
    backend: values.backend as BackendChoice,
    loader: values.loader as 'auto',
    shuffle: mode,
    shuffleBuffer: mode === 'buffer' ? buffer : undefined,
    ...(values.lr === undefined ? {} : { lr: Number(values.lr) }),
    ...(values.batch === undefined ? {} : { batch: Number(values.batch) }),
  });
  results.push({ mode, shuffleBuffer: mode === 'buffer' ? buffer : 'default', testRmse: r.testRmse, trainRmse: r.trainRmse, trainSeconds: r.seconds, totalSeconds: (performance.now() - t) / 1000, peakRssMb: r.peakRssMb });
  console.error(`${mode}: test RMSE ${r.testRmse.toFixed(4)} (${r.seconds.toFixed(1)} s)`);
}
const perfect = results.find((r) => r.mode === 'memory')!.testRmse;
for (const r of results) r.vsMemoryPct = ((r.testRmse - perfect) / perfect) * 100;
const block = results.find((r) => r.mode === 'block')!;

const pad = (s: string, n: number) => s.padStart(n);
console.log(`\nShuffle vs training: ${rows.toLocaleString('en')} user-sorted rows, ${epochs} epochs, dim ${dim}, seed ${seed}, ${values.backend}`);
console.log(`${'mode'.padEnd(22)}${pad('test RMSE', 11)}${pad('vs perfect', 12)}${pad('train RMSE', 12)}${pad('train s', 9)}${pad('total s', 9)}${pad('peak RSS', 10)}`);
for (const r of results) {
  const label = r.mode === 'buffer' ? `buffer only (${r.shuffleBuffer})` : r.mode === 'block' ? 'block (defaults)' : 'perfect (in memory)';
  console.log(`${label.padEnd(22)}${pad(r.testRmse.toFixed(4), 11)}${pad(`${r.vsMemoryPct! >= 0 ? '+' : ''}${r.vsMemoryPct!.toFixed(2)}%`, 12)}${pad(r.trainRmse.toFixed(4), 12)}${pad(r.trainSeconds.toFixed(1), 9)}${pad(r.totalSeconds.toFixed(1), 9)}${pad(`${Math.round(r.peakRssMb)} MB`, 10)}`);
}
if (truth !== undefined) console.log(`${'true model'.padEnd(22)}${pad(truth.trueTestRmse.toFixed(4), 11)}`);
const ok = Math.abs(block.vsMemoryPct!) <= 1;
console.log(`block vs perfect: ${block.vsMemoryPct!.toFixed(2)}% (must be within 1%: ${ok ? 'yes' : 'NO'})`);

const json = { rows, epochs, dim, seed, backend: values.backend, file, trueTestRmse: truth?.trueTestRmse ?? null, blockVsPerfectPct: block.vsMemoryPct, withinOnePercent: ok, results };
console.log(JSON.stringify(json));
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(json, null, 2) + '\n');
