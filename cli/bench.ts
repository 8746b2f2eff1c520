// `sluice bench FILE`: loader throughput and peak memory against the alternatives, each
// contender in its own child process, alternating run by run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OptionError } from '../src/errors.js';
import { CONTENDERS } from './bench/contenders.js';
import { type BenchReport, runBench } from './bench/harness.js';
import { DEFAULT_PYTHON } from './bench/contenders/pytorch.js';
import { DEFAULT_COLUMNS, formatColumns, parseColumns } from './bench/protocol.js';
import { formatTable } from './bench/report.js';
import type { Command } from './command.js';
import { numberOption, parseCommandArgs } from './command.js';
import { progress } from './progress.js';

const HELP = `sluice bench FILE [--batch 1024] [--shuffle 10000] [--runs 3] [--compare]
                  [--contenders a,b,…] [--budget 30] [--seed 1] [--columns spec] [--warmup 0]
                  [--reference NAME] [--python PATH] [--cache PATH]
                  [--json OUT] [--chart OUT.svg]

Times read → shuffle → batch → tensors over a ratings file: a CSV file with a header
(MovieLens ratings by default), or MovieLens's headerless u.data (tab) and ratings.dat
('::'), detected from the first lines; each contender in its own child process (so its peak RSS is its own),
contenders alternating run by run. Reports the median and min–max of rows/s, MB/s and
peak RSS, and each contender's ratio to the reference measured in the same round.

  --compare        run every contender: ${Object.keys(CONTENDERS).join(', ')}
                   (default: sluice-fast only). The pytorch-* peers run where the
                   interpreter imports numpy, pandas and torch; elsewhere they are
                   skipped with a note
  --reference NAME the contender ratios are taken against (default sluice-fast)
  --python PATH    the Python peer's interpreter, default ${DEFAULT_PYTHON}
  --contenders L   run exactly these, in this order
  --budget S       seconds a run may take; a slower run stops and is reported on a
                   prefix of the file (tfjs-data needs this on large files). Default 30
  --columns spec   numeric columns to decode, default ${formatColumns(DEFAULT_COLUMNS)}
  --warmup N       untimed epochs each child runs before the timed one, in the same
                   process and on the same pipeline (as a training run's later epochs
                   are); default 0: the timed epoch is the fresh process's first
  --cache PATH     sluice-cache's Arrow file (default: in the temp dir, kept between runs)
  --json OUT       write { file, rows, bytes, results: [...] } to OUT
  --chart OUT.svg  write a bar chart of rows/s (vega-lite, rendered headless)`;

/**
 * Runs the benchmark described by `argv` (the arguments of `sluice bench`), prints its table
 * on `out` and returns the report (for bench/ scripts and tests).
 * @example
 * const report = await bench(['ratings.csv', '--compare', '--runs', '3']);
 */
export async function bench(argv: string[], out: { write(text: string): unknown } = process.stdout): Promise<BenchReport | undefined> {
  const args = parseCommandArgs(
    argv,
    {
      batch: { type: 'string' },
      shuffle: { type: 'string' },
      runs: { type: 'string' },
      compare: { type: 'boolean' },
      contenders: { type: 'string' },
      budget: { type: 'string' },
      warmup: { type: 'string' },
      seed: { type: 'string' },
      columns: { type: 'string' },
      cache: { type: 'string' },
      reference: { type: 'string' },
      python: { type: 'string' },
      json: { type: 'string' },
      chart: { type: 'string' },
    },
    HELP,
  );
  if (args === undefined) return undefined;
  const [file, ...extra] = args.positionals;
  if (file === undefined || extra.length > 0) throw new OptionError(`expected one FILE, got ${args.positionals.length}\n\n${HELP}`);
  if (args.values.compare === true && args.values.contenders !== undefined) throw new OptionError('--compare and --contenders exclude each other');
  const contenders = args.values.contenders?.split(',').filter((s) => s !== '') ?? (args.values.compare === true ? Object.keys(CONTENDERS) : ['sluice-fast']);
  for (const name of contenders) {
    if (CONTENDERS[name] === undefined) throw new OptionError(`--contenders: unknown contender '${name}' (known: ${Object.keys(CONTENDERS).join(', ')})`);
  }
  const reference = args.values.reference;
  if (reference !== undefined && !contenders.includes(reference)) throw new OptionError(`--reference: '${reference}' is not among the contenders (${contenders.join(', ')})`);
  const runs = intOption('runs', args.values.runs, 3);
  const batch = intOption('batch', args.values.batch, 1024);
  const shuffle = intOption('shuffle', args.values.shuffle, 10_000);
  const seed = numberOption('seed', args.values.seed, 1);
  if (!Number.isInteger(seed)) throw new OptionError(`--seed must be an integer, got '${args.values.seed}'`);
  const budgetS = numberOption('budget', args.values.budget, 30, 0.001);
  const warmup = numberOption('warmup', args.values.warmup, 0, 0);
  if (!Number.isInteger(warmup)) throw new OptionError(`--warmup must be a whole number of epochs, got '${args.values.warmup}'`);
  const columns = args.values.columns === undefined ? DEFAULT_COLUMNS : parseColumns(args.values.columns);
  // vega and vega-lite are optional: loaded for --chart only, before the runs, so a missing
  // one is said at once.
  const renderChart = args.values.chart === undefined ? undefined : await loadChart();
  const bar = progress({ label: 'bench', total: runs * contenders.length, extra: '{contender}' });
  let report: BenchReport;
  try {
    report = await runBench({
      file,
      contenders,
      batch,
      shuffle,
      runs,
      seed,
      budgetS,
      warmup,
      columns,
      cachePath: args.values.cache,
      reference,
      python: args.values.python,
      onRun: (done, _total, r) => bar.update(done, { contender: `${r.name} ${((r.rows / r.seconds) / 1e6).toFixed(2)}M rows/s` }),
    });
  } finally {
    bar.stop();
  }
  report = { ...report, command: ['sluice', 'bench', ...argv].join(' ') };
  out.write(formatTable(report));
  if (args.values.json !== undefined) writeFile(args.values.json, JSON.stringify(report, null, 2) + '\n');
  if (args.values.chart !== undefined && renderChart !== undefined) writeFile(args.values.chart, await renderChart(report));
  return report;
}

/** The chart renderer; an OptionError saying what to install when vega is missing. */
async function loadChart(): Promise<(report: BenchReport) => Promise<string>> {
  try {
    return (await import('./bench/chart.js')).renderChart;
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && /'vega(-lite)?'/.test(String(e))) {
      throw new OptionError('--chart needs the optional packages vega and vega-lite: npm install vega vega-lite');
    }
    throw e;
  }
}

/** A whole-number option >= 1. */
function intOption(name: string, value: string | undefined, fallback: number): number {
  const n = numberOption(name, value, fallback, 1);
  if (!Number.isInteger(n)) throw new OptionError(`--${name} must be a whole number >= 1, got '${value}'`);
  return n;
}

function writeFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, text);
}

export const command: Command = {
  summary: 'loader throughput and peak RSS against the alternatives (one child process per run)',
  async run(argv) {
    await bench(argv);
    return 0;
  },
};
