// Column-wise transform cost: csv → [transform] → shuffle(10k) → batch(1024) → tensors, the
// same file and pipeline with no transform, with mapColumns (rating / 5, a loop and
// Float32Array.map) and with a per-row map (the slow path), side by side in one run:
// contenders alternate run by run, median of runs.
//   node --import tsx bench/columns.ts [--rows 2000000] [--runs 5] [--json OUT]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { csv, type Dataset } from '../src/index.js';
import { batchToTensors, useCpu } from '../cli/bench/contenders/tensors.js';
import { writeRatingsFile } from './lib/ratings-file.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '2000000' }, runs: { type: 'string', default: '5' }, json: { type: 'string' } } });
const rows = Number(values.rows);
const runs = Number(values.runs);
const dir = join(tmpdir(), 'sluice-bench');
mkdirSync(dir, { recursive: true });
const file = join(dir, `ratings-${rows}.csv`);
if (!existsSync(file)) writeRatingsFile(file, rows, 1);

const columns = { userId: 'int32', movieId: 'int32', rating: 'float32' } as const;
const ratings = () => csv(file, { columns });
type Batches = Dataset<{ size: number; columns: Record<string, Int32Array | Float32Array | Float64Array> }, unknown>;
const tail = (ds: { shuffle: (n: number, o: { seed: number }) => { batch: (n: number) => unknown } }) => ds.shuffle(10_000, { seed: 1 }).batch(1024) as Batches;

const contenders: Record<string, () => Batches> = {
  'no transform': () => tail(ratings()),
  'mapColumns (loop)': () =>
    tail(
      ratings().mapColumns((c, size) => {
        const rating = new Float32Array(size);
        for (let i = 0; i < size; i++) rating[i] = c.rating[i]! / 5;
        return { ...c, rating };
      }),
    ),
  'mapColumns (Float32Array.map)': () => tail(ratings().mapColumns((c) => ({ ...c, rating: c.rating.map((r) => r / 5) }))),
  'map (per row)': () => tail(ratings().map((r) => ({ ...r, rating: r.rating / 5 }))),
};

/** Rows per second of wall time, and per second of this process's CPU time (steadier on a shared machine). */
async function rate(make: () => Batches): Promise<[number, number]> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let seen = 0;
  for await (const b of make()) {
    batchToTensors(b);
    seen += b.size;
  }
  if (seen !== rows) throw new Error(`expected ${rows} rows, saw ${seen}`);
  const cpu = process.cpuUsage(c0);
  return [rows / ((performance.now() - t0) / 1000), rows / ((cpu.user + cpu.system) / 1e6)];
}

await useCpu();
const wall: Record<string, number[]> = {};
const cpu: Record<string, number[]> = {};
for (let r = 0; r < runs; r++) {
  for (const [name, make] of Object.entries(contenders)) {
    const [w, c] = await rate(make);
    (wall[name] ??= []).push(w);
    (cpu[name] ??= []).push(c);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(wall['no transform']!);
const cpuBase = median(cpu['no transform']!);
console.log(`csv → [transform] → shuffle(10000) → batch(1024) → tensors, ${rows.toLocaleString('en')} rows, median of ${runs} (Node ${process.version})`);
const results = Object.keys(wall).map((name) => {
  const xs = wall[name]!;
  return { name, median: median(xs), min: Math.min(...xs), max: Math.max(...xs), ratio: median(xs) / base, cpuRowsPerSecond: median(cpu[name]!), cpuRatio: median(cpu[name]!) / cpuBase };
});
for (const r of results) {
  console.log(`${r.name.padEnd(30)} ${(r.median / 1e6).toFixed(2).padStart(6)} M rows/s (min ${(r.min / 1e6).toFixed(2)}, max ${(r.max / 1e6).toFixed(2)})  ×${r.ratio.toFixed(3)}   per CPU second ${(r.cpuRowsPerSecond / 1e6).toFixed(2)} M  ×${r.cpuRatio.toFixed(3)}`);
}
if (values.json) writeFileSync(values.json, JSON.stringify({ date: new Date().toISOString(), rows, runs, results }, null, 2));
