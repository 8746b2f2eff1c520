// Peak RSS against file size: sluice-fast must stay flat (≤ 1.2× from the smallest to the
// largest file); tfjs-data reads `file://` whole, so its peak grows with the file.
//   node --import tsx bench/memory-scaling.ts [--sizes 1000000,5000000,25000000]
//        [--contenders sluice-fast,tfjs-data] [--runs 1] [--budget 300] [--tfjs-budget 15]
// Each size and contender runs in fresh child processes (sluice bench's harness). tfjs-data
// stops after --tfjs-budget seconds of pipeline time: its file is read whole before the first
// row, so the peak it reaches by then already shows the growth. Writes bench/out/memory-scaling.json.
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BenchReport, runBench } from '../cli/bench/harness.js';
import { DEFAULT_COLUMNS } from '../cli/bench/protocol.js';
import { benchFlags, intFlag } from './lib/args.js';
import { ratingsFile } from './lib/ratings-file.js';

const flags = benchFlags({
  sizes: '1000000,5000000,25000000',
  contenders: 'sluice-fast,tfjs-data',
  runs: '1',
  budget: '300',
  'tfjs-budget': '15',
  batch: '1024',
  shuffle: '10000',
});
const sizes = flags.sizes.split(',').map((s) => intFlag('sizes', s));
const contenders = flags.contenders.split(',').filter((s) => s !== '');
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

interface Point {
  rows: number;
  fileMb: number;
  contender: string;
  peakRssMb: number;
  rowsPerSecond: number;
  complete: boolean;
  note?: string | undefined;
}
const points: Point[] = [];
const reports: BenchReport[] = [];
for (const rows of sizes) {
  process.stderr.write(`generating or reusing a ${rows.toLocaleString('en')}-row ratings file…\n`);
  const file = ratingsFile(rows);
  for (const name of contenders) {
    const report = await runBench({
      file,
      contenders: [name],
      batch: intFlag('batch', flags.batch),
      shuffle: intFlag('shuffle', flags.shuffle),
      runs: intFlag('runs', flags.runs),
      seed: 1,
      budgetS: Number(name === 'tfjs-data' ? flags['tfjs-budget'] : flags.budget),
      columns: DEFAULT_COLUMNS,
    });
    reports.push(report);
    const r = report.results[0];
    if (r === undefined) continue;
    points.push({ rows, fileMb: report.bytes / 1e6, contender: name, peakRssMb: r.peakRssMb.median, rowsPerSecond: r.rowsPerSecond.median, complete: r.complete, note: r.note });
    process.stderr.write(`${name} @ ${rows.toLocaleString('en')} rows: peak RSS ${r.peakRssMb.median.toFixed(0)} MB${r.complete ? '' : ' (prefix)'}\n`);
  }
}

// One row per size, one column pair (MB, × smallest size) per contender.
const ran = contenders.filter((c) => points.some((p) => p.contender === c));
const base = new Map(ran.map((c) => [c, points.find((p) => p.contender === c)!.peakRssMb]));
const header = ['rows', 'file MB', ...ran.flatMap((c) => [`${c} peak RSS MB`, `× ${sizes[0]!.toLocaleString('en')}`])];
const table = sizes.map((rows) => {
  const cells = [rows.toLocaleString('en'), (points.find((p) => p.rows === rows)?.fileMb ?? NaN).toFixed(0)];
  for (const c of ran) {
    const p = points.find((q) => q.rows === rows && q.contender === c);
    cells.push(p === undefined ? '–' : `${p.peakRssMb.toFixed(0)}${p.complete ? '' : ' *'}`, p === undefined ? '–' : `${(p.peakRssMb / base.get(c)!).toFixed(2)}×`);
  }
  return cells;
});
const md = [`| ${header.join(' | ')} |`, `|${header.map(() => '---:').join('|')}|`, ...table.map((r) => `| ${r.join(' | ')} |`)];
const notes = points.filter((p) => p.note !== undefined).map((p) => `* ${p.contender} @ ${p.rows.toLocaleString('en')}: ${p.note}`);
const m = reports[0]?.machine;
process.stdout.write(`\n${m ? `${m.cpu}, ${m.cores} cores, Node ${m.node}; ${new Date().toISOString()}\n` : ''}${md.join('\n')}\n${notes.join('\n')}\n`);

const fast = points.filter((p) => p.contender === 'sluice-fast');
if (fast.length >= 2) {
  const x = fast[fast.length - 1]!.peakRssMb / fast[0]!.peakRssMb;
  process.stdout.write(
    `\nsluice-fast peak RSS at ${fast[fast.length - 1]!.rows.toLocaleString('en')} rows = ${x.toFixed(2)}× its peak at ${fast[0]!.rows.toLocaleString('en')} (target ≤ 1.2×) ${x <= 1.2 ? 'MET' : 'NOT MET'}\n`,
  );
}
fs.mkdirSync(here('out'), { recursive: true });
const out = here('out/memory-scaling.json');
fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), machine: m, sizes, points, reports }, null, 2) + '\n');
process.stdout.write(`JSON: ${out}\n`);
