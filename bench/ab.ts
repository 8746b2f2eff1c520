// A/B throughput of two source trees in one run: the runs bench/loaders.ts makes (one
// contender in a fresh child, cli/bench/child.ts through tsx) and bench/stages.ts itself,
// taken from the baseline tree and from this one alternately, round by round (A B, then B A,
// …), so drift in machine load hits both sides alike. Reports each side's median rows/s and
// the ratio this/base, as the ratio of medians and as the median of the rounds' ratios.
//   node --import tsx bench/ab.ts [--base /work/base] [--rounds 5] [--rows 3000000]
//        [--contenders sluice-fast,sluice-general,sluice-cache] [--stage-rows 5000000]
//        [--stage-runs 3] [--only loaders|stages] [--clock wall|cpu] [--json OUT]
// --clock cpu preloads bench/lib/cpu-clock.ts in both trees' processes: their timers then
// read CPU time (rows per CPU second), for a machine too busy for wall time to mean much.
// Both trees need their node_modules; nothing is built (both run from sources, as the two
// benches do). The CSV file is generated once (bench/lib/ratings-file.ts) and shared. A
// contender must exist in both trees (the baseline bac0a1f has no sluice-block).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { benchFlags, intFlag } from './lib/args.js';
import { ratingsFile } from './lib/ratings-file.js';

const flags = benchFlags({
  base: '/work/base',
  rounds: '5',
  rows: '3000000',
  contenders: 'sluice-fast,sluice-general,sluice-cache',
  'stage-rows': '5000000',
  'stage-runs': '3',
  only: '',
  clock: 'wall',
  json: '',
});
const trees = { base: resolve(flags.base), this: resolve(import.meta.dirname, '..') } as const;
type Side = keyof typeof trees;
const rounds = intFlag('rounds', flags.rounds);
if (flags.clock !== 'wall' && flags.clock !== 'cpu') throw new Error(`--clock must be wall or cpu, got '${flags.clock}'`);
const preload = flags.clock === 'cpu' ? ['--import', resolve(import.meta.dirname, 'lib/cpu-clock.ts')] : [];
const scratch = mkdtempSync(join(tmpdir(), 'sluice-ab-'));

/** rows/s by measurement name, per side, one entry per round. */
const rates = new Map<string, Record<Side, number[]>>();
const record = (name: string, side: Side, value: number): void => {
  if (!rates.has(name)) rates.set(name, { base: [], this: [] });
  rates.get(name)![side].push(value);
};

/** Runs `args` with node from `tree` (so tsx and the packages are that tree's); returns stdout. */
function node(tree: string, args: string[]): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...preload, ...args], { cwd: tree, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${tree}: node ${args.join(' ')} exited ${r.status}\n${r.stderr}`);
  return r.stdout;
}

function loaderRun(side: Side, contender: string, file: string): void {
  const out = node(trees[side], [
    'cli/bench/child.ts', '--contender', contender, '--file', file, '--batch', '1024', '--shuffle', '10000',
    '--seed', '1', '--budget', '120', '--cache', join(scratch, `${side}.arrow`),
  ]);
  const line = out.split('\n').find((l) => l.startsWith('@@sluice-bench '));
  if (line === undefined) throw new Error(`${side} ${contender}: no report line in\n${out}`);
  const report = JSON.parse(line.slice('@@sluice-bench '.length)) as { rows: number; seconds: number; complete: boolean };
  if (!report.complete) throw new Error(`${side} ${contender}: stopped by its budget`);
  record(`loaders ${contender}`, side, report.rows / report.seconds);
}

function stagesRun(side: Side): void {
  const json = join(scratch, `stages-${side}.json`);
  node(trees[side], ['bench/stages.ts', '--rows', flags['stage-rows'], '--runs', flags['stage-runs'], '--tfjs-rows', '1000', '--json', json]);
  const { results } = JSON.parse(readFileSync(json, 'utf8')) as { results: { name: string; elementsPerSecond: { median: number } }[] };
  for (const r of results) if (r.name.startsWith('sluice')) record(`stages ${r.name}`, side, r.elementsPerSecond.median);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

try {
  const doLoaders = flags.only !== 'stages';
  const doStages = flags.only !== 'loaders';
  const contenders = flags.contenders.split(',').filter((c) => c !== '');
  const file = doLoaders ? ratingsFile(intFlag('rows', flags.rows)) : '';
  process.stderr.write(`base ${trees.base}\nthis ${trees.this}\n${rounds} rounds${doLoaders ? `, ${file}` : ''}\n`);
  for (let round = 0; round < rounds; round++) {
    const order: Side[] = round % 2 === 0 ? ['base', 'this'] : ['this', 'base'];
    for (const contender of doLoaders ? contenders : []) for (const side of order) loaderRun(side, contender, file);
    if (doStages) for (const side of order) stagesRun(side);
    process.stderr.write(`round ${round + 1}/${rounds} done\n`);
  }
  const rows = [...rates].map(([name, r]) => {
    const ratios = r.this.map((x, i) => x / r.base[i]!);
    return {
      name,
      baseMedian: median(r.base),
      thisMedian: median(r.this),
      ratioOfMedians: median(r.this) / median(r.base),
      medianRoundRatio: median(ratios),
      roundRatios: ratios,
    };
  });
  const f = (x: number): string => `${(x / 1e6).toFixed(2)}M/s`;
  console.log(`A/B, ${rounds} rounds alternating, ${flags.clock === 'cpu' ? 'rows per CPU second' : 'rows per wall second'} (Node ${process.version}); ratio = this / base`);
  console.log(`${'measurement'.padEnd(42)} ${'base'.padStart(10)} ${'this'.padStart(10)}  ratio  round ratios (min–max)`);
  for (const r of rows) {
    const lo = Math.min(...r.roundRatios);
    const hi = Math.max(...r.roundRatios);
    console.log(
      `${r.name.padEnd(42)} ${f(r.baseMedian).padStart(10)} ${f(r.thisMedian).padStart(10)}  ${r.ratioOfMedians.toFixed(3)}  ` +
        `${r.medianRoundRatio.toFixed(3)} (${lo.toFixed(3)}–${hi.toFixed(3)})${r.medianRoundRatio < 0.97 ? '  BELOW 0.97' : ''}`,
    );
  }
  if (flags.json !== '') writeFileSync(flags.json, JSON.stringify({ date: new Date().toISOString(), trees, rounds, clock: flags.clock, rows }, null, 2));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
