// Worker CSV decoding with the built library, as users run it (no tsx, no TensorFlow.js
// loaded): csv() on the main thread against csvParallel with 1, 2 and 4 workers, on a
// 10M-row ratings file written to /tmp, one warm-up epoch then the median of 3. Plain
// JavaScript so that it also runs where only `node` and dist/ are (a machine with more
// cores). bench/parallel-decode.ts is the same comparison under tsx, with the overlap test.
//   npm run build && node bench/parallel-decode-built.mjs
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism, cpus } from 'node:os';
import { csv, csvParallel } from '../dist/src/core.js';
const file = '/tmp/sluice-ratings-10m-built.csv';
const out = createWriteStream(file);
out.write('userId,movieId,rating,timestamp\n');
let s = 1;
for (let i = 0; i < 10_000_000; ) {
  const lines = [];
  for (let k = 0; k < 50_000; k++, i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    lines.push(`${1 + (i >> 7)},${1 + (s % 60000)},${(1 + (s % 10)) / 2},${1500000000 + (s % 90000000)}\n`);
  }
  if (!out.write(lines.join(''))) await once(out, 'drain');
}
out.end();
await once(out, 'finish');
const columns = { userId: 'int32', movieId: 'int32', rating: 'float32', timestamp: 'int32' };
const epoch = async (ds) => { const t0 = performance.now(); let n = 0; for await (const c of ds.chunks()) n += c.size; if (n !== 10_000_000) throw new Error(`rows ${n}`); return (performance.now() - t0) / 1000; };
const median = (xs) => [...xs].sort((a, b) => a - b)[1];
const contenders = [['csv (main thread)', () => csv(file, { columns })], ...[1, 2, 4].map((w) => [`csvParallel ${w} worker(s)`, () => csvParallel(file, { columns, workers: w })])];
const times = new Map(contenders.map(([n]) => [n, []]));
for (const [, make] of contenders) await epoch(make());
for (let r = 0; r < 3; r++) for (const [name, make] of contenders) times.get(name).push(await epoch(make()));
const base = median(times.get('csv (main thread)'));
console.log(`${availableParallelism()} CPUs (${cpus()[0].model}), Node ${process.version}; 10M rows, median of 3 (after a warm-up epoch)`);
for (const [name] of contenders) { const t = median(times.get(name)); console.log(`| ${name} | ${t.toFixed(3)} s | ${(10 / t).toFixed(2)}M rows/s | ${(base / t).toFixed(2)}× | runs ${times.get(name).map((x) => x.toFixed(3)).join(' ')}`); }
