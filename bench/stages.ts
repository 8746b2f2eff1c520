// Stage throughput: N numbers through map → shuffle(10k) → batch(1024), sluice against
// tfjs-data (tf.data.generator → map → shuffle → batch) in the same run, median of runs.
// tfjs-data is ~100x slower, so it runs on a prefix (--tfjs-rows) and is compared by rate.
//   node --import tsx bench/stages.ts [--rows 10000000] [--tfjs-rows 1000000] [--runs 3] [--json OUT]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { range, useBackend } from '../src/index.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    'tfjs-rows': { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    json: { type: 'string' },
  },
});
const rows = Number(values.rows);
const tfjsRows = Math.min(rows, Number(values['tfjs-rows']));
const runs = Number(values.runs);

async function sluiceChain(n: number): Promise<number> {
  let seen = 0;
  const ds = range(n)
    .map((x) => x * 2 + 1)
    .shuffle(10_000, { seed: 1 })
    .batch(1024);
  for await (const chunk of ds.chunks()) for (const b of chunk as number[][]) seen += b.length;
  return seen;
}

async function sluiceElementwise(n: number): Promise<number> {
  // The same chain consumed one batch per `for await`, as user code does.
  let seen = 0;
  for await (const b of range(n).map((x) => x * 2 + 1).shuffle(10_000, { seed: 1 }).batch(1024)) seen += b.length;
  return seen;
}

async function tfjsDataChain(n: number): Promise<number> {
  const gen = function* () {
    for (let i = 0; i < n; i++) yield i;
  };
  const ds = tf.data
    .generator(gen as unknown as () => Iterator<tf.TensorContainer>)
    .map((x) => (x as number) * 2 + 1)
    .shuffle(10_000, '1')
    .batch(1024);
  let seen = 0;
  const it = await ds.iterator();
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    const t = r.value as tf.Tensor;
    seen += t.shape[0]!;
    t.dispose();
  }
  return seen;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(fn: (n: number) => Promise<number>, n: number): Promise<number> {
  const t0 = performance.now();
  const seen = await fn(n);
  const s = (performance.now() - t0) / 1000;
  if (seen !== n) throw new Error(`expected ${n} elements, saw ${seen}`);
  return n / s;
}

await useBackend('cpu'); // through sluice: no banner
const contenders = [
  { name: 'sluice (chunks)', fn: sluiceChain, n: rows },
  { name: 'sluice (for await per batch)', fn: sluiceElementwise, n: rows },
  { name: 'tfjs-data', fn: tfjsDataChain, n: tfjsRows },
];
const rates: Record<string, number[]> = {};
for (let r = 0; r < runs; r++) {
  // Alternate contenders run by run so drift in machine load hits all of them.
  for (const c of contenders) (rates[c.name] ??= []).push(await time(c.fn, c.n));
}
const base = median(rates['sluice (chunks)']!);
const results = contenders.map((c) => {
  const xs = rates[c.name]!;
  return { name: c.name, elements: c.n, elementsPerSecond: { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) }, ratioToSluice: median(xs) / base };
});
console.log(`map → shuffle(10000) → batch(1024), median of ${runs} (backend cpu, Node ${process.version})`);
for (const r of results) {
  const m = r.elementsPerSecond;
  console.log(`${r.name.padEnd(30)} ${(m.median / 1e6).toFixed(2).padStart(7)} M/s  (min ${(m.min / 1e6).toFixed(2)}, max ${(m.max / 1e6).toFixed(2)})  over ${r.elements.toLocaleString('en')}  x${r.ratioToSluice.toFixed(3)}`);
}
const speedup = base / median(rates['tfjs-data']!);
console.log(`sluice / tfjs-data: ${speedup.toFixed(1)}x`);
if (values.json) writeFileSync(values.json, JSON.stringify({ date: new Date().toISOString(), rows, tfjsRows, runs, results, speedupOverTfjsData: speedup }, null, 2));
