// Runs contenders in child processes, alternating run by run, and summarises what they
// measured. The parent only schedules and counts; it never runs a contender itself.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SluiceError } from '../../src/errors.js';
import { detectDelimiter, detectHeader } from '../../src/csv/inspect.js';
import { readLinesSync } from '../../src/csv/header.js';
import { CONTENDERS, REFERENCE } from './contenders.js';
import { DEFAULT_PYTHON, pythonArgs, pythonPeer } from './contenders/pytorch.js';
import { type ChildReport, type ContenderArgs, RESULT_MARKER, runFlags } from './protocol.js';
import { type Spread, spread } from './stats.js';

/** A bench run: the settings every contender gets (see ContenderArgs), plus who runs and how often. */
export interface BenchOptions extends ContenderArgs {
  /** Contender names, in the order each round runs them. */
  readonly contenders: readonly string[];
  readonly runs: number;
  /** The contender ratios are taken against (default sluice-fast, when it runs). */
  readonly reference?: string | undefined;
  /** The interpreter of the Python peer (default /usr/bin/python3). */
  readonly python?: string | undefined;
  /** Called after each child run (progress). */
  readonly onRun?: ((done: number, total: number, report: ChildReport) => void) | undefined;
}

/** One run of one contender, as the report keeps it. */
export interface Sample {
  readonly round: number;
  readonly rows: number;
  readonly seconds: number;
  readonly complete: boolean;
  readonly rowsPerSecond: number;
  readonly mbPerSecond: number;
  readonly peakRssMb: number;
  /** CPU seconds of the run, every thread of the process. */
  readonly cpuSeconds: number;
  /** Minor page faults of the run: pages of fresh memory it touched (see ChildReport). */
  readonly pageFaults: number;
  /** Rows the run's untimed warm-up epochs delivered (see BenchReport.warmup). */
  readonly warmupRows: number;
  readonly pid: number;
}

export interface ContenderSummary {
  readonly name: string;
  readonly description: string;
  readonly runs: number;
  readonly rowsPerSecond: Spread;
  readonly mbPerSecond: Spread;
  readonly peakRssMb: Spread;
  /** CPU seconds a run (all threads): with seconds, how much of the cores a run kept busy. */
  readonly cpuSeconds: Spread;
  /** Minor page faults a run: fresh pages touched, each a trip into the kernel (costly on some VMs). */
  readonly pageFaults: Spread;
  /** Median over rounds of (this rows/s ÷ the reference's rows/s in the same round); null without a reference. */
  readonly ratio: number | null;
  /** True when every run reached the end of the file. */
  readonly complete: boolean;
  /** Set when the time budget cut runs short: what part of the file was measured. */
  readonly note?: string | undefined;
  readonly samples: readonly Sample[];
}

/** A contender asked for that could not run here (the Python peer without pandas or torch). */
export interface Skipped {
  readonly name: string;
  readonly reason: string;
}

export interface BenchReport {
  readonly file: string;
  readonly rows: number;
  readonly bytes: number;
  readonly batch: number;
  readonly shuffle: number;
  readonly runs: number;
  readonly budgetS: number;
  /** Untimed epochs each child ran before its timed one (0: the timed epoch was the process's first). */
  readonly warmup: number;
  /** The file's delimiter, and its columns' names when it has no header line (see fileFormat). */
  readonly delimiter: string;
  readonly names?: readonly string[] | undefined;
  readonly date: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memoryGb: number; readonly node: string; readonly platform: string };
  /** The order the child processes ran in: [round, contender] pairs. */
  readonly schedule: readonly (readonly [number, string])[];
  readonly results: readonly ContenderSummary[];
  /** The contender every `ratio` is taken against, or null. */
  readonly reference: string | null;
  /** Contenders that were asked for but skipped, and why. */
  readonly skipped: readonly Skipped[];
  /** The Python peer's interpreter and versions, when it ran. */
  readonly python?: string | undefined;
  /** The command line that produced the report, when run from the CLI. */
  readonly command?: string | undefined;
}

/** Lines fileFormat detects from (as `sluice inspect` samples them). */
const SAMPLE_LINES = 20;
/** MovieLens's columns, in its files' order: the names of a file without a header line. */
const MOVIELENS_NAMES = ['userId', 'movieId', 'rating', 'timestamp'];

/**
 * A file's delimiter and, when it has no header line (ml-100k's u.data, ml-1m's and ml-10m's
 * ratings.dat), MovieLens's names for its columns: detected from its first lines as `sluice
 * inspect` detects them.
 * @example
 * fileFormat('ml-1m/ratings.dat'); // { delimiter: '::', names: ['userId', 'movieId', 'rating', 'timestamp'] }
 */
export function fileFormat(file: string): { delimiter: string; names: string[] | undefined } {
  const text = readLinesSync(file, 0, SAMPLE_LINES, 1 << 16);
  const delimiter = detectDelimiter(text);
  if (detectHeader(text, delimiter)) return { delimiter, names: undefined };
  const fields = (text.split('\n')[0] ?? '').replace(/\r$/, '').split(delimiter).length;
  if (fields > MOVIELENS_NAMES.length) throw new SluiceError(`'${file}' has no header line and ${fields} fields; sluice bench names MovieLens's ${MOVIELENS_NAMES.length} (${MOVIELENS_NAMES.join(', ')}): add a header line naming its columns`);
  return { delimiter, names: MOVIELENS_NAMES.slice(0, fields) };
}

/**
 * Counts the data rows of a CSV file with a header (lines, not counting the header or a
 * trailing empty line), reading it in blocks.
 * @example
 * countRows('/tmp/ratings.csv'); // 1000000
 */
export function countRows(file: string, header = true): number {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let lines = 0;
    let last = 10;
    for (;;) {
      const got = fs.readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      let i = buf.indexOf(10, 0);
      while (i >= 0 && i < got) {
        lines++;
        i = buf.indexOf(10, i + 1);
      }
      last = buf[got - 1]!;
    }
    if (last !== 10) lines++;
    return Math.max(0, header ? lines - 1 : lines);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Runs every contender `runs` times, each run in a fresh child process, alternating
 * contenders within each round (A B C, A B C, …) so that drift on a shared machine hits
 * all of them alike, and summarises the runs.
 * @example
 * const report = await runBench({ file, contenders: ['byte-decode', 'sluice-fast'], batch: 1024,
 *   shuffle: 10000, runs: 3, seed: 1, budgetS: 30, columns: DEFAULT_COLUMNS });
 */
export async function runBench(given: BenchOptions): Promise<BenchReport> {
  if (!fs.existsSync(given.file)) throw new SluiceError(`no such file '${given.file}'`);
  const options: BenchOptions = given.delimiter === undefined && given.names === undefined ? { ...given, ...fileFormat(given.file) } : given;
  const bytes = fs.statSync(options.file).size;
  const rows = countRows(options.file, options.names === undefined);
  for (const name of options.contenders) {
    if (CONTENDERS[name] === undefined) throw new SluiceError(`unknown contender '${name}' (known: ${Object.keys(CONTENDERS).join(', ')})`);
  }
  const python = options.python ?? DEFAULT_PYTHON;
  const { names, skipped, versions } = runnable(options.contenders, python, options.delimiter ?? ',');
  const reference = options.reference ?? (names.includes(REFERENCE) ? REFERENCE : null);
  if (reference !== null && !names.includes(reference)) throw new SluiceError(`reference '${reference}' is not among the contenders that run (${names.join(', ')})`);
  // Kept between runs and invocations: the cache checks its own fingerprint (path, size, mtime).
  const cachePath = options.cachePath ?? path.join(os.tmpdir(), `sluice-bench-cache-${fs.statSync(options.file).ino}.arrow`);
  const samples = new Map<string, Sample[]>(names.map((n) => [n, []]));
  const schedule: [number, string][] = [];
  const total = names.length * options.runs;
  for (let round = 0; round < options.runs; round++) {
    for (const name of names) {
      schedule.push([round, name]);
      const r = await runChildProcess(name, { ...options, cachePath, python });
      if (r.complete && r.rows !== rows) {
        throw new SluiceError(`${name} delivered ${r.rows} rows, the file has ${rows}`);
      }
      samples.get(name)!.push(sample(round, r, rows > 0 ? bytes / rows : 0));
      options.onRun?.(schedule.length, total, r);
    }
  }
  const results = names.map((name) => summarise(name, samples.get(name)!, reference === null ? undefined : samples.get(reference), rows, options.budgetS));
  return {
    file: options.file,
    rows,
    bytes,
    batch: options.batch,
    shuffle: options.shuffle,
    runs: options.runs,
    budgetS: options.budgetS,
    warmup: options.warmup ?? 0,
    delimiter: options.delimiter ?? ',',
    ...(options.names === undefined ? {} : { names: options.names }),
    date: new Date().toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    schedule,
    results,
    reference,
    skipped,
    ...(versions === undefined ? {} : { python: `${python}: ${versions}` }),
  };
}

/** The contenders that can run here, and the Python peer's, skipped with a reason where they cannot. */
function runnable(contenders: readonly string[], python: string, delimiter: string): { names: string[]; skipped: Skipped[]; versions: string | undefined } {
  const names: string[] = [];
  const skipped: Skipped[] = [];
  let versions: string | undefined;
  for (const name of contenders) {
    const contender = CONTENDERS[name]!;
    if (contender.kind === 'node' && contender.oneCharDelimiter === true && delimiter.length > 1) {
      skipped.push({ name, reason: `splits fields on one character; this file's delimiter is '${delimiter}'` });
      continue;
    }
    if (contender.kind === 'python') {
      const peer = pythonPeer(python);
      if (!peer.ok) {
        skipped.push({ name, reason: peer.reason });
        continue;
      }
      versions = peer.versions;
    }
    names.push(name);
  }
  return { names, skipped, versions };
}

function sample(round: number, r: ChildReport, bytesPerRow: number): Sample {
  const rowsPerSecond = r.rows / r.seconds;
  return {
    round,
    rows: r.rows,
    seconds: r.seconds,
    complete: r.complete,
    rowsPerSecond,
    mbPerSecond: (rowsPerSecond * bytesPerRow) / 1e6,
    peakRssMb: r.peakRssMb,
    cpuSeconds: r.cpuSeconds,
    pageFaults: r.pageFaults,
    warmupRows: r.warmupRows,
    pid: r.pid,
  };
}

function summarise(name: string, runs: Sample[], reference: Sample[] | undefined, rows: number, budgetS: number): ContenderSummary {
  const complete = runs.every((s) => s.complete);
  const prefix = spread(runs.map((s) => s.rows));
  return {
    name,
    description: CONTENDERS[name]!.description,
    runs: runs.length,
    rowsPerSecond: spread(runs.map((s) => s.rowsPerSecond)),
    mbPerSecond: spread(runs.map((s) => s.mbPerSecond)),
    peakRssMb: spread(runs.map((s) => s.peakRssMb)),
    cpuSeconds: spread(runs.map((s) => s.cpuSeconds)),
    pageFaults: spread(runs.map((s) => s.pageFaults)),
    ratio: reference === undefined ? null : spread(runs.map((s, i) => s.rowsPerSecond / reference[i]!.rowsPerSecond)).median,
    complete,
    note: complete ? undefined : `time budget ${budgetS} s: measured on a prefix of ${span(prefix.min, prefix.max)} of ${rows.toLocaleString('en')} rows`,
    samples: runs,
  };
}

function span(min: number, max: number): string {
  const f = (x: number): string => Math.round(x).toLocaleString('en');
  return min === max ? f(min) : `${f(min)}–${f(max)}`;
}

/**
 * The child entry and how to start it: the compiled child.js beside this module when running
 * from dist/, else child.ts through tsx (tests and `node --import tsx` run from sources).
 */
function childCommand(): { execArgv: string[]; entry: string } {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(fromSource ? './child.ts' : './child.js', import.meta.url));
  return { execArgv: fromSource ? ['--import', 'tsx'] : [], entry };
}

function runChildProcess(name: string, options: BenchOptions & { cachePath: string; python: string }): Promise<ChildReport> {
  const contender = CONTENDERS[name]!;
  if (contender.kind === 'python') return spawnChild(name, options.python, pythonArgs(contender.mode, options));
  const { execArgv, entry } = childCommand();
  return spawnChild(name, process.execPath, [
    ...execArgv,
    entry,
    '--contender', name,
    ...runFlags(options),
    '--cache', options.cachePath,
  ]);
}

/** Runs one child to its end and reads its marked report line. */
function spawnChild(name: string, command: string, args: string[]): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      if (code !== 0 || line === undefined) {
        const why = signal !== null ? `killed by ${signal}` : `exit code ${code}`;
        reject(new SluiceError(`contender ${name} failed (${why})${err ? `:\n${err.trim().slice(-2000)}` : ''}`));
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as ChildReport);
    });
  });
}
