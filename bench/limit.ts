// How close the training pipelines come to the bare decode loop, and how far ahead of the
// Python peer they are (issue 18): one `sluice bench` run, contenders alternating, one child
// process per run, each ratio taken round by round (same round, same machine weather), then
// the median over rounds. Then the shuffle quality of the same two shuffles
// (bench/shuffle-quality.ts on its user-sorted file), unless --quality 0.
//   node --import tsx bench/limit.ts [--rows 10000000] [--runs 5] [--budget 60]
//        [--contenders a,b,…] [--quality-rows 10000000] [--quality 1] [--from source|dist]
//        [--warmup 0] [--columns userId:int32,movieId:int32,rating:float32,timestamp:int32]
// --warmup N: each child times its epoch after N untimed ones on the same pipeline (the
// epochs after a training run's first); 0 times the fresh process's first epoch, as the
// targets are stated. Both are reported; the output files of N > 0 end in -warmN.
// --columns: the columns every contender decodes (default: the four of a MovieLens ratings
// file); another set's output files end in -<count>cols (README's examples train on three).
// --from dist runs the contenders from the built package (`npm run build` first), as a user
// runs them: from source every child and every worker thread compiles its TypeScript through
// tsx, and a worker does that inside the timed span (about 0.4 CPU-seconds a sluice-block run).
// Writes bench/out/limit-<rows>.json and .md (the README table).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchReport } from '../cli/bench/harness.js';
import { formatMarkdown } from '../cli/bench/report.js';
import { spread } from '../cli/bench/stats.js';
import { benchFlags, intFlag } from './lib/args.js';
import { parallelCapacity } from './lib/parallel-probe.js';
import { ratingsFile } from './lib/ratings-file.js';

const ALL = ['byte-decode', 'sluice-block', 'sluice-parallel', 'sluice-fast', 'pytorch-stream', 'pytorch-dataloader'];
const flags = benchFlags({ rows: '10000000', runs: '5', budget: '60', contenders: ALL.join(','), quality: '1', 'quality-rows': '10000000', from: 'source', warmup: '0', columns: '' });
if (flags.from !== 'source' && flags.from !== 'dist') throw new Error(`--from must be 'source' or 'dist', got '${flags.from}'`);
const rows = intFlag('rows', flags.rows);
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
fs.mkdirSync(here('out'), { recursive: true });
const warmup = flags.warmup === '0' ? 0 : intFlag('warmup', flags.warmup);
const columnCount = flags.columns === '' ? 4 : flags.columns.split(',').length;
const name = `limit-${rows}${warmup > 0 ? `-warm${warmup}` : ''}${flags.columns === '' ? '' : `-${columnCount}cols`}`;
const json = here(`out/${name}.json`);

process.stderr.write(`generating or reusing a ${rows.toLocaleString('en')}-row ratings file…\n`);
const file = ratingsFile(rows);
const built = new URL('../dist/cli/bench.js', import.meta.url);
if (flags.from === 'dist' && !fs.existsSync(built)) throw new Error('--from dist: no dist/cli/bench.js; run `npm run build` first');
const { bench } = (await import(flags.from === 'dist' ? built.href : '../cli/bench.js')) as typeof import('../cli/bench.js');
// The machine's parallel capacity before and after the runs: two threads against one (see bench/lib/parallel-probe.ts).
const capacityBefore = await parallelCapacity();
const columnArgs = flags.columns === '' ? [] : ['--columns', flags.columns];
const report = await bench([file, '--contenders', flags.contenders, '--reference', 'byte-decode', '--runs', flags.runs, '--budget', flags.budget, '--warmup', String(warmup), ...columnArgs, '--json', json]);
if (report === undefined) process.exit(0);
const capacityAfter = await parallelCapacity();

/** Median over rounds of a ÷ b (rows/s), with the range, from the samples of one run. */
function roundRatio(r: BenchReport, a: string, b: string): { median: number; min: number; max: number } | undefined {
  const sa = r.results.find((x) => x.name === a)?.samples;
  const sb = r.results.find((x) => x.name === b)?.samples;
  if (sa === undefined || sb === undefined) return undefined;
  return spread(sa.map((s, i) => s.rowsPerSecond / sb[i]!.rowsPerSecond));
}

const targets: [string, string, number, string][] = [
  ['sluice-block', 'byte-decode', 1.0, 'recommended block-shuffled pipeline vs the single-thread bare loop'],
  ['sluice-block', 'pytorch-stream', 3.0, 'recommended block-shuffled pipeline vs the Python peer (stream)'],
  ['sluice-block', 'pytorch-dataloader', 3.0, 'recommended block-shuffled pipeline vs the idiomatic DataLoader'],
  ['sluice-parallel', 'byte-decode', 1.0, 'csvParallel → shuffle(10k) → batch → tensors vs the bare loop'],
  ['sluice-fast', 'byte-decode', 0.7, 'csv → shuffle(10k) → batch(1024) → tensors, one thread, vs the bare loop'],
];
const timedEpoch = warmup === 0 ? 'the first epoch of a fresh process' : `an epoch after ${warmup} untimed one${warmup === 1 ? '' : 's'} on the same pipeline`;
const lines = [`| ratio (median over rounds, min–max); timed: ${timedEpoch} | value | target | |`, '|---|---:|---:|---|'];
for (const [a, b, target, what] of targets) {
  const x = roundRatio(report, a, b);
  if (x === undefined) continue;
  const met = x.median >= target ? 'met' : 'NOT met';
  const prefix = [a, b].filter((n) => report.results.find((r) => r.name === n)?.complete === false);
  const on = prefix.length === 0 ? '' : ` (${prefix.join(', ')} on a prefix: see the note)`;
  lines.push(`| ${what} (${a} ÷ ${b}) | **${x.median.toFixed(2)}×** (${x.min.toFixed(2)}–${x.max.toFixed(2)}) | ≥ ${target.toFixed(1)}× | ${met}${on} |`);
}
// The same ratios in rows per CPU-second (all threads of the process): what each pipeline
// costs, less sensitive than wall time to other load; not what the targets are stated in.
const cpuRate = (name: string): number | undefined => {
  const r = report.results.find((x) => x.name === name);
  return r === undefined ? undefined : spread(r.samples.map((s) => s.rows / s.cpuSeconds)).median;
};
lines.push('', '| rows per CPU-second (median), all threads | value | vs byte-decode |', '|---|---:|---:|');
for (const name of report.results.map((r) => r.name)) {
  const x = cpuRate(name)!;
  lines.push(`| ${name} | ${(x / 1e6).toFixed(2)}M | ${(x / cpuRate('byte-decode')!).toFixed(2)}× |`);
}
// Fresh memory: each page a run touches for the first time is a minor page fault, a trip into
// the kernel whose cost depends on the machine (a few hundred ns on bare metal; much more under
// some hypervisors). The bare loop reuses its buffers; a pipeline's batches, blocks and heap
// are new memory until the garbage collector hands it back. The probe prices a fault here.
const faultMicros = freshPageMicros();
lines.push('', `| fresh memory a run (median), all threads; a fault costs ${faultMicros.toFixed(1)} µs here (probe: 64 MiB touched) | page faults | MiB | CPU s in faults (est.) |`, '|---|---:|---:|---:|');
for (const r of report.results) {
  const faults = r.pageFaults.median;
  lines.push(`| ${r.name} | ${Math.round(faults).toLocaleString('en')} | ${((faults * 4096) / 2 ** 20).toFixed(0)} | ${((faults * faultMicros) / 1e6).toFixed(2)} |`);
}
// How noisy the machine was: the spread of the bare loop, which does the same work every run.
const loop = report.results.find((r) => r.name === 'byte-decode');
const busy = (name: string): string => {
  const r = report.results.find((x) => x.name === name);
  return r === undefined ? '' : `${name} ${r.samples.map((s) => (s.cpuSeconds / s.seconds).toFixed(2)).join(' / ')}`;
};
const noise =
  loop === undefined
    ? ''
    : `Noise: byte-decode runs ${loop.samples.map((s) => (s.rowsPerSecond / 1e6).toFixed(2)).join(' / ')}M rows/s (max ÷ min ${(loop.rowsPerSecond.max / loop.rowsPerSecond.min).toFixed(2)}); ` +
      `CPU s ÷ wall s per run (1.0 = a core the whole run): ${['byte-decode', 'sluice-fast', 'sluice-block'].map(busy).filter((x) => x !== '').join('; ')}. ` +
      `Parallel capacity (two busy threads' work ÷ one's; bench/lib/parallel-probe.ts) before / after the runs: ${capacityBefore.twoOverOne.toFixed(2)} / ${capacityAfter.twoOverOne.toFixed(2)} ` +
      `(one thread ${(capacityBefore.onePerSecond / 1000).toFixed(2)}k / ${(capacityAfter.onePerSecond / 1000).toFixed(2)}k passes a second)`;
const command = `node --import tsx bench/limit.ts ${process.argv.slice(2).join(' ')}`.trim();
let quality = '';
if (flags.quality !== '0') {
  // The shuffle quality of the two shuffles timed above, from their own script.
  const out = execFileSync(process.execPath, [...process.execArgv, here('shuffle-quality.ts'), '--rows', flags['quality-rows'], '--epochs', '2', '--modes', 'buffer 10k,block shuffle'], { encoding: 'utf8' });
  quality = out.trim();
}
const md = [formatMarkdown(report, command), lines.join('\n'), '', noise, '', quality].join('\n') + '\n';
fs.writeFileSync(here(`out/${name}.md`), md);
process.stdout.write(`\n${lines.join('\n')}\n\n${noise}\n\n${quality}\nJSON: ${json}\n`);

/** Microseconds a minor page fault costs on this machine: the median of three passes touching 64 MiB of fresh memory, a page at a time. */
function freshPageMicros(): number {
  const bytes = 64 << 20;
  const passes = [0, 1, 2].map(() => {
    const fresh = new Uint8Array(bytes);
    const started = performance.now();
    for (let i = 0; i < bytes; i += 4096) fresh[i] = 1;
    return ((performance.now() - started) * 1000) / (bytes / 4096);
  });
  return spread(passes).median;
}
