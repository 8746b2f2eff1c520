// Loader throughput against the alternatives: `sluice bench --compare` on a generated
// MovieLens-format file, then the targets checked against the figures.
//   node --import tsx bench/loaders.ts [--rows 10000000] [--runs 3] [--budget 30]
//        [--batch 1024] [--shuffle 10000] [--contenders a,b,…]
// Writes bench/out/loaders-<rows>.json, bench/out/loaders-<rows>.md (README table) and bench/loaders.svg.
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bench } from '../cli/bench.js';
import { benchFlags, intFlag } from './lib/args.js';
import { ratingsFile } from './lib/ratings-file.js';
import { formatMarkdown } from '../cli/bench/report.js';

const flags = benchFlags({ rows: '10000000', runs: '3', budget: '30', batch: '1024', shuffle: '10000', contenders: '', chart: '' });
const rows = intFlag('rows', flags.rows);
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
fs.mkdirSync(here('out'), { recursive: true });
const json = here(`out/loaders-${rows}.json`);
const chart = flags.chart || here('loaders.svg');

process.stderr.write(`generating or reusing a ${rows.toLocaleString('en')}-row ratings file…\n`);
const file = ratingsFile(rows);
const argv = [
  file,
  ...(flags.contenders ? ['--contenders', flags.contenders] : ['--compare']),
  '--runs', flags.runs,
  '--budget', flags.budget,
  '--batch', flags.batch,
  '--shuffle', flags.shuffle,
  '--json', json,
  '--chart', chart,
];
const report = await bench(argv);
if (report === undefined) process.exit(0);

const command = `node --import tsx bench/loaders.ts ${process.argv.slice(2).join(' ')}`.trim();
fs.writeFileSync(here(`out/loaders-${rows}.md`), formatMarkdown(report, command));

// The targets, from the ratios measured round by round in this one run.
const get = (name: string) => report.results.find((r) => r.name === name);
const fast = get('sluice-fast');
const checks: string[] = [];
const tfjs = get('tfjs-data');
if (fast !== undefined && tfjs?.ratio) {
  const x = 1 / tfjs.ratio;
  checks.push(`sluice-fast / tfjs-data = ${x.toFixed(1)}× (target ≥ 50×) ${x >= 50 ? 'MET' : 'NOT MET'}${tfjs.complete ? '' : ' — tfjs-data on a prefix, see note'}`);
}
const ceiling = get('byte-decode');
if (fast !== undefined && ceiling?.ratio) {
  const x = 1 / ceiling.ratio;
  checks.push(`sluice-fast / byte-decode = ${(100 * x).toFixed(0)}% (target ≥ 50%) ${x >= 0.5 ? 'MET' : 'NOT MET'}`);
}
process.stdout.write(`\n${checks.join('\n')}\nJSON: ${json}\nchart: ${chart}\n`);
