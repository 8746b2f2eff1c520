// This tree's built package against another build of sluice (an earlier commit, say), on
// the recommended pipeline: shuffledCsv (defaults) → batch(1024) → tensors (cpu backend,
// disposed, batches released), a few epochs in one fresh process per run, the two trees
// alternating (A B, then B A) so that the host's spells hit both alike.
//   git worktree add /tmp/base <ref> && (cd /tmp/base && npm ci && npm run build)
//   npm run build && node --import tsx bench/dist-ab.ts --base /tmp/base [--rounds 8] [--epochs 3] [--rows 10000000]
//        [--columns userId:int32,movieId:int32,rating:float32]   (default: the four MovieLens columns)
// Reports, each side: the median first epoch (a fresh process's, as bench/limit.ts times it)
// and later epoch, wall and CPU seconds (all threads), and the median over rounds of this ÷
// base first-epoch wall time (< 1: this tree is faster). Writes bench/out/dist-ab.json.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseColumns } from '../cli/bench/protocol.js';
import { spread } from '../cli/bench/stats.js';
import { benchFlags, intFlag } from './lib/args.js';
import { builtPipelineChild } from './lib/built-child.js';
import { ratingsFile } from './lib/ratings-file.js';

const flags = benchFlags({ base: '', rounds: '8', epochs: '3', rows: '10000000', columns: '' });
type Epoch = [wallS: number, cpuS: number];

/** The child: `epochs` epochs; prints one JSON line of [wall s, CPU s] an epoch. */
const CHILD = builtPipelineChild(`const out = [];
for (let e = 0; e < epochs; e++) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for await (const b of batches) batchToTensors(b);
  const used = process.cpuUsage(cpu);
  out.push([(performance.now() - started) / 1000, (used.user + used.system) / 1e6]);
}
console.log(JSON.stringify(out));
`, flags.columns === '' ? undefined : parseColumns(flags.columns));

if (flags.base === '') throw new Error('--base DIR: a built checkout of sluice to compare with (see the header of bench/dist-ab.ts)');
const here = resolve(fileURLToPath(new URL('..', import.meta.url)));
const trees = { this: here, base: resolve(flags.base) };
for (const [name, tree] of Object.entries(trees)) {
  if (!fs.existsSync(resolve(tree, 'dist/src/csv/shuffled.js'))) throw new Error(`${name} tree ${tree} has no dist/: run \`npm run build\` there`);
}
const file = ratingsFile(intFlag('rows', flags.rows));
const rounds = intFlag('rounds', flags.rounds);
const runs: Record<keyof typeof trees, Epoch[][]> = { this: [], base: [] };
for (let r = 0; r < rounds; r++) {
  for (const side of r % 2 === 0 ? (['base', 'this'] as const) : (['this', 'base'] as const)) {
    const out = execFileSync(process.execPath, ['--input-type=module', '--eval', CHILD, trees[side], file, flags.epochs], { encoding: 'utf8' });
    runs[side].push(JSON.parse(out.trim().split('\n').pop()!) as Epoch[]);
  }
}
const f = (xs: number[]): string => {
  const s = spread(xs);
  return `${s.median.toFixed(3)} (${s.min.toFixed(3)}–${s.max.toFixed(3)})`;
};
process.stdout.write(`${file}${flags.columns === '' ? '' : ` (columns ${flags.columns})`}: ${rounds} rounds, ${flags.epochs} epochs a process; seconds, median (min–max)\n`);
process.stdout.write('| tree | first epoch wall | first epoch CPU | later epoch wall | later epoch CPU |\n|---|---:|---:|---:|---:|\n');
for (const side of ['base', 'this'] as const) {
  const first = runs[side].map((e) => e[0]!);
  const later = runs[side].flatMap((e) => e.slice(1));
  process.stdout.write(`| ${side} (${trees[side]}) | ${f(first.map((e) => e[0]))} | ${f(first.map((e) => e[1]))} | ${f(later.map((e) => e[0]))} | ${f(later.map((e) => e[1]))} |\n`);
}
const ratio = spread(runs.this.map((e, i) => e[0]![0] / runs.base[i]![0]![0]));
process.stdout.write(`this ÷ base, first-epoch wall, median over rounds: **${ratio.median.toFixed(3)}** (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)})\n`);
const json = fileURLToPath(new URL('out/dist-ab.json', import.meta.url));
fs.mkdirSync(fileURLToPath(new URL('out', import.meta.url)), { recursive: true });
fs.writeFileSync(json, JSON.stringify({ file, columns: flags.columns || 'default', trees, runs }, null, 2));
process.stdout.write(`JSON: ${json}\n`);
