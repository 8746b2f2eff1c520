// What releasing batches (ColumnBatch.release) saves: one epoch of a fresh process, each
// batch made into tensors (cpu backend) and disposed, then released or not. Released, the
// csv reader's chunks and the block shuffle's output chunks come back for later batches,
// instead of fresh memory that the garbage collector frees only tens of megabytes later.
//   node --import tsx bench/release.ts [--rows 10000000] [--runs 8] [--pipelines fast,block] [--from dist|source]
// fast: csv → shuffle(10k) → batch(1024); block: shuffledCsv (defaults) → batch(1024). One
// child process per (pipeline, mode, run), kept and released alternating (A B, then B A);
// reported: medians of seconds, page faults and CPU seconds, and the median over runs of
// kept ÷ released seconds (> 1: releasing is faster). Writes bench/out/release-<rows>.json.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spread } from '../cli/bench/stats.js';
import { benchFlags, intFlag } from './lib/args.js';
import { ratingsFile } from './lib/ratings-file.js';

const flags = benchFlags({ rows: '10000000', runs: '8', pipelines: 'fast,block', from: 'dist', child: '', file: '', release: '' });
const COLUMNS = { userId: 'int32', movieId: 'int32', rating: 'float32', timestamp: 'int32' } as const;

interface Run {
  seconds: number;
  cpuSeconds: number;
  pageFaults: number;
  rows: number;
}

/** In a child: one epoch of `pipeline`, batches released or kept. */
async function child(pipeline: string, file: string, release: boolean): Promise<Run> {
  const root = flags.from === 'dist' ? '../dist/' : '../';
  const ext = flags.from === 'dist' ? 'js' : 'ts';
  const { csv, shuffledCsv } = (await import(`${root}src/index.${ext}`)) as typeof import('../src/index.js');
  const tf = (await import(`${root}src/tf/tf.${ext}`)) as typeof import('../src/tf/tf.js');
  await tf.setBackend('cpu');
  const ds = pipeline === 'block' ? shuffledCsv(file, { columns: COLUMNS, shuffle: { seed: 1 } }).batch(1024) : csv(file, { columns: COLUMNS }).shuffle(10_000, { seed: 1 }).batch(1024);
  const faults = process.resourceUsage().minorPageFault;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let rows = 0;
  for await (const b of ds) {
    const made = Object.values(b.columns).map((c) => (c instanceof Int32Array ? tf.tensor1d(c, 'int32') : tf.tensor1d(c as Float32Array, 'float32')));
    tf.dispose(made);
    if (release) b.release?.();
    rows += b.size;
  }
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6, pageFaults: process.resourceUsage().minorPageFault - faults, rows };
}

if (flags.child !== '') {
  const run = await child(flags.child, flags.file, flags.release === '1');
  process.stdout.write(`${JSON.stringify(run)}\n`);
  process.exit(0);
}

const rows = intFlag('rows', flags.rows);
const runs = intFlag('runs', flags.runs);
const file = ratingsFile(rows);
const self = fileURLToPath(import.meta.url);
const spawnRun = (pipeline: string, release: boolean): Run => {
  const args = ['--import', 'tsx', self, '--child', pipeline, '--file', file, '--release', release ? '1' : '0', '--from', flags.from];
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as Run;
};
const report: Record<string, unknown> = { rows, runs, date: new Date().toISOString() };
const lines = ['| pipeline | kept: s (faults, CPU s) | released: s (faults, CPU s) | kept ÷ released (median, min–max) |', '|---|---:|---:|---:|'];
for (const pipeline of flags.pipelines.split(',')) {
  const kept: Run[] = [];
  const released: Run[] = [];
  for (let r = 0; r < runs; r++) {
    for (const release of r % 2 === 0 ? [false, true] : [true, false]) (release ? released : kept).push(spawnRun(pipeline, release));
    process.stderr.write(`${pipeline} run ${r + 1}/${runs}: kept ${kept.at(-1)!.seconds.toFixed(3)} s, released ${released.at(-1)!.seconds.toFixed(3)} s\n`);
  }
  if ([...kept, ...released].some((x) => x.rows !== rows)) throw new Error(`${pipeline}: an epoch did not deliver ${rows} rows`);
  const med = (xs: Run[], k: keyof Run): number => spread(xs.map((x) => x[k])).median;
  const ratio = spread(kept.map((k, i) => k.seconds / released[i]!.seconds));
  const cell = (xs: Run[]): string => `${med(xs, 'seconds').toFixed(3)} (${Math.round(med(xs, 'pageFaults')).toLocaleString('en')}, ${med(xs, 'cpuSeconds').toFixed(2)})`;
  lines.push(`| ${pipeline} | ${cell(kept)} | ${cell(released)} | ${ratio.median.toFixed(2)}× (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)}) |`);
  report[pipeline] = { kept, released, ratio };
}
fs.mkdirSync(fileURLToPath(new URL('out', import.meta.url)), { recursive: true });
fs.writeFileSync(fileURLToPath(new URL(`out/release-${rows}.json`, import.meta.url)), JSON.stringify(report, null, 2));
process.stdout.write(`${lines.join('\n')}\n`);
