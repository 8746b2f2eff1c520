// The block shuffle's interleave as the pipeline runs it: the window's blocks written by
// another thread (a worker fills them and hands them over, as the csv worker does), then
// interleaved on this thread by a shuffled label a row into 4096-row chunks of `width`
// columns. The JavaScript loop (interleave4 for four columns, interleavePacked for other
// widths; reading the blocks in label order) against the kernel
// (src/shuffle/kernel-interleave.ts: each block's rows for a chunk copied into the kernel's
// memory in one sequential copy, then interleaved there), alternating window by window.
//   node --import tsx bench/interleave.ts [--windows 24] [--blocks 32] [--rows 45000] [--width 4]
// Reports ns a row (median, min–max over windows) each way and the ratio of medians;
// writes bench/out/interleave.json.
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { spread } from '../cli/bench/stats.js';
import { simdKernelLoaded } from '../src/kernel.js';
import { randomState } from '../src/random.js';
import { shuffledLabels } from '../src/shuffle/hand-out.js';
import { interleavedInKernel } from '../src/shuffle/kernel-interleave.js';
import { interleave4, interleavePacked } from '../src/shuffle/width4.js';
import { benchFlags, intFlag } from './lib/args.js';

const flags = benchFlags({ windows: '24', blocks: '32', rows: '45000', width: '4' });
const windows = intFlag('windows', flags.windows);
const blockCount = intFlag('blocks', flags.blocks);
const rowsPerBlock = intFlag('rows', flags.rows);
const width = intFlag('width', flags.width);
const loop = width === 4 ? interleave4 : interleavePacked;
if (!simdKernelLoaded()) throw new Error('the kernel is not built: run `npm run build:wasm`');

// The worker writes every value of the blocks it is handed (as the csv worker's setRows
// does), then hands them back: their cache lines are then the other core's, or memory's.
const filler = new Worker(
  `const { parentPort } = require('node:worker_threads');
  let x = 1;
  parentPort.on('message', (buffers) => {
    for (const b of buffers) { const a = new Int32Array(b); for (let i = 0; i < a.length; i++) a[i] = (x = (x * 1103515245 + 12345) | 0); }
    parentPort.postMessage(buffers, buffers);
  });`,
  { eval: true },
);
const filled = (buffers: ArrayBuffer[]): Promise<ArrayBuffer[]> =>
  new Promise((resolve) => {
    filler.once('message', resolve);
    filler.postMessage(buffers, buffers);
  });

type Way = 'javascript' | 'kernel';
const CHUNK = 4096;
const outputs = Array.from({ length: width }, () => new Int32Array(CHUNK));
let buffers = Array.from({ length: blockCount }, () => new ArrayBuffer(4 * width * rowsPerBlock));
const perRow: Record<Way, number[]> = { javascript: [], kernel: [] };
for (let w = 0; w < windows; w++) {
  buffers = await filled(buffers);
  const packs = buffers.map((b) => new Int32Array(b));
  const labels = shuffledLabels(packs.map(() => rowsPerBlock), randomState(w));
  const cursors = new Int32Array(blockCount);
  const way: Way = w % 2 === 0 ? 'javascript' : 'kernel';
  const started = performance.now();
  for (let from = 0; from < labels.length; from += CHUNK) {
    const count = Math.min(CHUNK, labels.length - from);
    const dsts = count === CHUNK ? outputs : outputs.map((o) => o.subarray(0, count));
    if (way === 'javascript') loop(packs, labels, from, count, cursors, dsts);
    else if (!interleavedInKernel(packs, labels, from, count, cursors, dsts)) throw new Error('the kernel declined a chunk');
  }
  // The first two windows warm the code up (V8 and the kernel's tier-up), untimed.
  if (w >= 2) perRow[way].push(((performance.now() - started) * 1e6) / labels.length);
}
await filler.terminate();

const js = spread(perRow.javascript);
const k = spread(perRow.kernel);
const f = (s: { median: number; min: number; max: number }): string => `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})`;
process.stdout.write(`${blockCount} blocks × ${rowsPerBlock.toLocaleString('en')} rows of ${width} values a window, written by a worker; ${windows - 2} timed windows, alternating\n`);
process.stdout.write(`| interleave, ns a row (median, min–max) | ${width === 4 ? 'interleave4' : 'interleavePacked'} (JavaScript) | kernel (staged copy) | JavaScript ÷ kernel |\n|---|---:|---:|---:|\n`);
process.stdout.write(`| ${blockCount} blocks, chunks of ${CHUNK} | ${f(js)} | ${f(k)} | **${(js.median / k.median).toFixed(2)}×** |\n`);
const out = fileURLToPath(new URL(`out/interleave${width === 4 ? '' : `-w${width}`}.json`, import.meta.url));
fs.mkdirSync(fileURLToPath(new URL('out', import.meta.url)), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ blocks: blockCount, rowsPerBlock, width, windows, nsPerRow: perRow }, null, 2));
process.stdout.write(`JSON: ${out}\n`);
