// A cached epoch against decoding the CSV again: `cache(path)` (Arrow IPC file) and
// `cache()` (memory) → batch(1024) → tensors, against csv(fast engine) → batch(1024) →
// tensors. The figure: a cached epoch ≥ 30M rows/s.
// The first epoch, which writes the cache while streaming, is timed apart ("build").
//   node --import tsx bench/cache.ts [--rows 10000000] [--runs 3] [--batch 1024] [--json OUT]
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { csv, type Dataset } from '../src/index.js';
import { silenceCpuBanner } from '../src/tf/backend.js';
import { batchToTensors, useCpu } from '../cli/bench/contenders/tensors.js';
import { benchFlags, intFlag } from './lib/args.js';
import { ratingsFile } from './lib/ratings-file.js';

const flags = benchFlags({ rows: '10000000', runs: '3', batch: '1024', json: 'bench/out/cache.json' });
const rows = intFlag('rows', flags.rows);
const runs = intFlag('runs', flags.runs);
const batchSize = intFlag('batch', flags.batch);
const columns = { userId: 'int32', movieId: 'int32', rating: 'float32', timestamp: 'int32' } as const;

await useCpu();
silenceCpuBanner();
const file = ratingsFile(rows);
const cachePath = join(os.tmpdir(), `sluice-bench-cache-${rows}-${process.pid}.arrow`);
const source = csv(file, { columns, engine: 'fast' });
const fileCache = source.cache(cachePath);
const memCache = source.cache(undefined, { maxBytes: 4 * 2 ** 30 });

/** One epoch through batch → (tensors); rows seen and seconds. */
type Rating = { userId: number; movieId: number; rating: number; timestamp: number };
async function epoch(ds: Dataset<Rating>, tensors: boolean): Promise<{ rows: number; seconds: number }> {
  const t0 = performance.now();
  let n = 0;
  for await (const b of ds.batch(batchSize)) {
    n += b.size;
    if (tensors) batchToTensors(b);
  }
  return { rows: n, seconds: (performance.now() - t0) / 1000 };
}

type Contender = { name: string; run: () => Promise<{ rows: number; seconds: number }> };
const results = new Map<string, number[]>();
/** Rounds alternate the contenders, so drift on a shared machine hits all alike. */
async function rounds(contenders: Contender[]): Promise<void> {
  for (const c of contenders) results.set(c.name, []);
  for (let r = 0; r < runs; r++) {
    for (const c of contenders) {
      const { rows: n, seconds } = await c.run();
      if (n !== rows) throw new Error(`${c.name}: ${n} rows, expected ${rows}`);
      results.get(c.name)!.push(seconds);
    }
  }
}

// The first epoch builds the file cache while it streams the CSV.
const buildFile = await epoch(fileCache, true);
const cacheBytes = statSync(cachePath).size;
const fileContenders: Contender[] = [
  { name: 'csv fast → batch → tensors', run: () => epoch(source, true) },
  { name: 'cache(path) Arrow → batch → tensors', run: () => epoch(fileCache, true) },
  { name: 'cache(path) Arrow → batch', run: () => epoch(fileCache, false) },
];
await rounds(fileContenders);
rmSync(cachePath, { force: true });
// The memory cache last: holding the whole epoch in memory would weigh on the others' GC.
const buildMem = await epoch(memCache, true);
const memContenders: Contender[] = [{ name: 'cache() memory → batch → tensors', run: () => epoch(memCache, true) }];
await rounds(memContenders);
const contenders = [...fileContenders, ...memContenders];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(results.get(contenders[0]!.name)!);
const table = contenders.map((c) => {
  const s = median(results.get(c.name)!);
  return { contender: c.name, seconds: s, rowsPerSecond: rows / s, vsCsv: base / s };
});
console.log(`cache: ${rows.toLocaleString('en')} rows (${file}), batch ${batchSize}, median of ${runs} run(s)`);
console.log(`build epochs: file cache ${buildFile.seconds.toFixed(2)} s (writes ${(cacheBytes / 2 ** 20).toFixed(1)} MiB), memory cache ${buildMem.seconds.toFixed(2)} s`);
console.log('| contender | s | rows/s | × csv |');
console.log('|---|---:|---:|---:|');
for (const t of table) console.log(`| ${t.contender} | ${t.seconds.toFixed(3)} | ${Math.round(t.rowsPerSecond).toLocaleString('en')} | ${t.vsCsv.toFixed(1)} |`);
const json = {
  bench: 'cache',
  rows,
  runs,
  batch: batchSize,
  file,
  cacheBytes,
  build: { fileSeconds: buildFile.seconds, memorySeconds: buildMem.seconds },
  table,
  runsSeconds: Object.fromEntries(results),
};
console.log(JSON.stringify(json));
mkdirSync(dirname(flags.json), { recursive: true });
writeFileSync(flags.json, JSON.stringify(json, null, 2) + '\n');
