// Worker decoding of one CSV file.
// 1. Decode: csv() on the main thread (fast engine) against csvParallel() with 1 and 2
//    workers, each consumed to the end as columnar chunks. The figure: 2 workers
//    ≥ 1.6× single-thread decode on a 10M-row file. Worker threads start once per process
//    and serve later epochs: --warmup epochs (untimed) start them; the cold first epoch is
//    reported apart.
// 2. Overlap: a training loop whose step costs --step-us of main-thread CPU per batch of
//    1024 (a stand-in for fitDataset), fed from batches already in memory (the floor), from
//    csv() on the main thread, from csvParallel(), and from background() (the whole
//    csv → batch pipeline in a worker). The check: worker decoding ≤ 1.05× memory.
//   node --import tsx bench/parallel-decode.ts [--rows 10000000] [--runs 3] [--warmup 1]
//        [--workers 1,2] [--range-mib 8] [--train-rows 1000000] [--step-us 1000] [--json OUT]
// This file is also the module background() loads in its worker (export `pipeline`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { background, type ColumnBatch, csv, csvParallel, type Dataset } from '../src/core.js';
import { benchFlags, intFlag } from './lib/args.js';
import { ratingsFile } from './lib/ratings-file.js';

const columns = { userId: 'int32', movieId: 'int32', rating: 'float32', timestamp: 'int32' } as const;
type Rating = { userId: number; movieId: number; rating: number; timestamp: number };
const BATCH = 1024;

/** The pipeline that background() builds in its worker. */
export function pipeline(file: string): Dataset<ColumnBatch<Rating>> {
  return csv(file, { columns, engine: 'fast' }).batch(BATCH);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Rows read in one epoch and the seconds it took. */
async function decodeEpoch(ds: { chunks(): AsyncIterable<unknown> }): Promise<{ rows: number; seconds: number }> {
  const t0 = performance.now();
  let n = 0;
  let check = 0;
  for await (const c of ds.chunks()) {
    const chunk = c as { size: number; columns: Record<string, Float32Array> };
    n += chunk.size;
    check += chunk.columns['rating']![0]!; // touch the data
  }
  if (!Number.isFinite(check)) throw new Error('bad data');
  return { rows: n, seconds: (performance.now() - t0) / 1000 };
}

/** A training step's main-thread cost: spin for `us` microseconds, reading the batch. */
function step(b: ColumnBatch<Rating>, us: number): number {
  const until = performance.now() + us / 1000;
  let s = 0;
  while (performance.now() < until) s += b.columns.rating[s & 1023] ?? 0;
  return s;
}

async function trainEpoch(batches: AsyncIterable<ColumnBatch<Rating>> | Iterable<ColumnBatch<Rating>>, us: number): Promise<{ rows: number; seconds: number }> {
  const t0 = performance.now();
  let n = 0;
  for await (const b of batches) {
    n += b.size;
    step(b, us);
  }
  return { rows: n, seconds: (performance.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const flags = benchFlags({
    rows: '10000000',
    runs: '3',
    warmup: '1',
    workers: '1,2',
    'range-mib': '8',
    'train-rows': '1000000',
    'step-us': '1000',
    json: 'bench/out/parallel-decode.json',
  });
  const rows = intFlag('rows', flags.rows);
  const runs = intFlag('runs', flags.runs);
  const warmup = Number(flags.warmup);
  const rangeBytes = intFlag('range-mib', flags['range-mib']) << 20;
  const workerCounts = flags.workers.split(',').map((w) => intFlag('workers', w));
  const trainRows = intFlag('train-rows', flags['train-rows']);
  const stepUs = Number(flags['step-us']);

  // 1. Decode.
  const file = ratingsFile(rows);
  const decoders: { name: string; make: () => { chunks(): AsyncIterable<unknown> } }[] = [
    { name: 'csv (main thread)', make: () => csv(file, { columns, engine: 'fast' }) },
    ...workerCounts.map((w) => ({ name: `csvParallel ${w} worker${w > 1 ? 's' : ''}`, make: () => csvParallel(file, { columns, workers: w, rangeBytes }) })),
  ];
  const cold = new Map<string, number>();
  for (let r = 0; r < warmup; r++) {
    for (const c of decoders) {
      const { seconds } = await decodeEpoch(c.make());
      if (!cold.has(c.name)) cold.set(c.name, seconds);
    }
  }
  const decodeRuns = new Map<string, number[]>(decoders.map((c) => [c.name, []]));
  // Rounds alternate the contenders so drift on a shared machine hits all alike.
  for (let r = 0; r < runs; r++) {
    for (const c of decoders) {
      const { rows: n, seconds } = await decodeEpoch(c.make());
      if (n !== rows) throw new Error(`${c.name}: read ${n} rows, expected ${rows}`);
      decodeRuns.get(c.name)!.push(seconds);
    }
  }
  const base = median(decodeRuns.get(decoders[0]!.name)!);
  const decode = decoders.map((c) => {
    const s = median(decodeRuns.get(c.name)!);
    return { contender: c.name, seconds: s, rowsPerSecond: rows / s, speedup: base / s, coldSeconds: cold.get(c.name) };
  });
  console.log(`decode: ${rows.toLocaleString('en')} rows (${file}), median of ${runs} run(s), ranges of ${flags['range-mib']} MiB, ${availableParallelism()} CPUs`);
  console.log('| contender | s | rows/s | × main thread | first (cold) epoch s |');
  console.log('|---|---:|---:|---:|---:|');
  for (const t of decode) {
    console.log(`| ${t.contender} | ${t.seconds.toFixed(2)} | ${Math.round(t.rowsPerSecond).toLocaleString('en')} | ${t.speedup.toFixed(2)} | ${t.coldSeconds?.toFixed(2) ?? '-'} |`);
  }

  // 2. Overlap with a (simulated) training step.
  const trainFile = ratingsFile(trainRows);
  const inMemory = await pipeline(trainFile).toArray();
  const bg = background<ColumnBatch<Rating>>(new URL(import.meta.url), { exportName: 'pipeline', args: [trainFile], depth: 8 });
  // Every worker count: on a machine with as many cores as workers + 1, more workers
  // decode faster, but with fewer the workers take cores from the training thread.
  const feeders: { name: string; batches: () => AsyncIterable<ColumnBatch<Rating>> | Iterable<ColumnBatch<Rating>> }[] = [
    { name: 'batches in memory', batches: () => inMemory },
    { name: 'csv (main thread)', batches: () => pipeline(trainFile) },
    ...workerCounts.map((w) => ({ name: `csvParallel ${w} worker${w > 1 ? 's' : ''}`, batches: () => csvParallel<Rating>(trainFile, { columns, workers: w, rangeBytes }).batch(BATCH) })),
    { name: 'background(csv → batch)', batches: () => bg },
  ];
  for (const f of feeders) await trainEpoch(f.batches(), 0); // start workers, warm the JIT
  const trainRuns = new Map<string, number[]>(feeders.map((f) => [f.name, []]));
  for (let r = 0; r < runs; r++) {
    for (const f of feeders) {
      const { rows: n, seconds } = await trainEpoch(f.batches(), stepUs);
      if (n !== trainRows) throw new Error(`${f.name}: trained on ${n} rows, expected ${trainRows}`);
      trainRuns.get(f.name)!.push(seconds);
    }
  }
  const floor = median(trainRuns.get(feeders[0]!.name)!);
  const train = feeders.map((f) => {
    const s = median(trainRuns.get(f.name)!);
    return { feeder: f.name, seconds: s, vsMemory: s / floor };
  });
  console.log(`\ntraining overlap: ${trainRows.toLocaleString('en')} rows, batch ${BATCH}, step ${stepUs} µs of main-thread CPU per batch, median of ${runs} run(s)`);
  console.log('| feeder | s | × in-memory time |');
  console.log('|---|---:|---:|');
  for (const t of train) console.log(`| ${t.feeder} | ${t.seconds.toFixed(2)} | ${t.vsMemory.toFixed(3)} |`);

  const json = {
    bench: 'parallel-decode',
    cpus: availableParallelism(),
    decode: { rows, runs, warmup, rangeBytes, file, table: decode, runsSeconds: Object.fromEntries(decodeRuns) },
    overlap: { rows: trainRows, stepUs, batch: BATCH, table: train, runsSeconds: Object.fromEntries(trainRuns) },
  };
  console.log(JSON.stringify(json));
  mkdirSync(dirname(flags.json), { recursive: true });
  writeFileSync(flags.json, JSON.stringify(json, null, 2) + '\n');
}

// No top-level await: under tsx a worker loads this file through require.
if (isMainThread) main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
