// What V8's optimising compiler does during each epoch of the recommended pipeline
// (shuffledCsv → batch(1024) → tensors, cpu backend), for one or two built trees: the
// compile jobs an epoch (TurboFan, on V8's helper threads, which a 2-core machine shares with
// the pipeline's two threads), their summed job time, and the bailouts (deoptimisations),
// by function and reason. A function deoptimised every epoch is compiled again every epoch.
//   npm run build && node --import tsx bench/jit.ts [--base DIR] [--runs 3] [--epochs 3] [--rows 10000000]
// Each run is a fresh plain-node process (--trace-opt --trace-deopt; tsx would compile in
// the workers too); the trees alternate. Job time is the compiler's own wall time a job,
// preemption included: read it as a relative figure. Writes bench/out/jit.json.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spread } from '../cli/bench/stats.js';
import { benchFlags, intFlag } from './lib/args.js';
import { builtPipelineChild } from './lib/built-child.js';
import { ratingsFile } from './lib/ratings-file.js';

const flags = benchFlags({ base: '', runs: '3', epochs: '3', rows: '10000000' });
const MARK = 'SLUICE-EPOCH-START';

/** The child: `epochs` epochs, a marker line written synchronously before each (the traces go to stdout as they happen). */
const CHILD = builtPipelineChild(`
const { writeSync } = await import('node:fs');
for (let e = 0; e < epochs; e++) {
  writeSync(1, '${MARK}\\n');
  for await (const b of batches) batchToTensors(b);
}`);

/** One epoch's compiler work. */
interface EpochJit {
  jobs: number;
  jobMs: number;
  bailouts: string[];
  byFunction: Record<string, number>;
}

/** Splits a child's trace at the epoch markers (what came before the first is not counted). */
function parseTrace(text: string): EpochJit[] {
  const epochs: EpochJit[] = [];
  let current: EpochJit | undefined;
  for (const line of text.split('\n')) {
    if (line === MARK) epochs.push((current = { jobs: 0, jobMs: 0, bailouts: [], byFunction: {} }));
    if (current === undefined) continue;
    const job = /completed compiling .*?<JSFunction (\S*)[^>]*>.*took ([0-9.]+), ([0-9.]+), ([0-9.]+) ms/.exec(line);
    if (job !== null) {
      const ms = Number(job[2]) + Number(job[3]) + Number(job[4]);
      const name = job[1]!.startsWith('(') ? '(anonymous)' : job[1]!;
      current.jobs++;
      current.jobMs += ms;
      current.byFunction[name] = (current.byFunction[name] ?? 0) + ms;
    }
    const bailout = /bailout \(kind: [^,]+, reason: ([^)]+)\).*?<JSFunction (\S*)/.exec(line);
    if (bailout !== null) current.bailouts.push(`${bailout[2]!.startsWith('(') ? '(anonymous)' : bailout[2]}: ${bailout[1]}`);
  }
  return epochs;
}

const here = resolve(fileURLToPath(new URL('..', import.meta.url)));
const trees: Record<string, string> = flags.base === '' ? { this: here } : { base: resolve(flags.base), this: here };
for (const [name, tree] of Object.entries(trees)) {
  if (!fs.existsSync(resolve(tree, 'dist/src/csv/shuffled.js'))) throw new Error(`${name} tree ${tree} has no dist/: run \`npm run build\` there`);
}
const file = ratingsFile(intFlag('rows', flags.rows));
const runs = intFlag('runs', flags.runs);
const epochs = intFlag('epochs', flags.epochs);
const results: Record<string, EpochJit[][]> = Object.fromEntries(Object.keys(trees).map((k) => [k, []]));
for (let r = 0; r < runs; r++) {
  const order = r % 2 === 0 ? Object.keys(trees) : Object.keys(trees).reverse();
  for (const side of order) {
    const out = execFileSync(process.execPath, ['--trace-opt', '--trace-deopt', '--input-type=module', '--eval', CHILD, trees[side]!, file, String(epochs)], { encoding: 'utf8', maxBuffer: 1 << 28 });
    results[side]!.push(parseTrace(out));
  }
}
process.stdout.write(`${file}: ${runs} runs a tree, ${epochs} epochs a run; median (min–max) over runs\n`);
process.stdout.write('| tree | epoch | compile jobs | job ms | bailouts | most job time (one run) |\n|---|---:|---:|---:|---:|---|\n');
const f = (xs: number[], digits: number): string => {
  const s = spread(xs);
  return `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
};
for (const [side, rs] of Object.entries(results)) {
  for (let e = 0; e < epochs; e++) {
    const at = rs.map((run) => run[e]!);
    const top = Object.entries(at[0]!.byFunction).sort((a, b) => b[1] - a[1]).slice(0, 5).map(([n, ms]) => `${n} ${ms.toFixed(0)}`).join(', ');
    process.stdout.write(`| ${side} | ${e} | ${f(at.map((x) => x.jobs), 0)} | ${f(at.map((x) => x.jobMs), 0)} | ${f(at.map((x) => x.bailouts.length), 0)} | ${top} |\n`);
  }
}
for (const [side, rs] of Object.entries(results)) {
  process.stdout.write(`${side}, bailouts of its first run: ${rs[0]!.map((e, i) => `epoch ${i}: ${e.bailouts.join('; ') || 'none'}`).join(' | ')}\n`);
}
const json = fileURLToPath(new URL('out/jit.json', import.meta.url));
fs.mkdirSync(fileURLToPath(new URL('out', import.meta.url)), { recursive: true });
fs.writeFileSync(json, JSON.stringify({ file, trees, results }, null, 2));
process.stdout.write(`JSON: ${json}\n`);
