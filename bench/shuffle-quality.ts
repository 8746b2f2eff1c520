// Shuffle quality on a user-sorted ratings file, as real MovieLens files are sorted.
// For each mode: |Spearman ρ| between input and output row positions, mean distinct users
// per batch of 1024 (against the perfect shuffle's), rows/s and peak RSS. Each mode runs in
// its own child process so its peak RSS is its own, and runs --epochs epochs (default 3):
// rows/s is the median of the epochs after the first (worker threads start, code warms up
// in the first, reported apart as 'first epoch s'), quality is the first epoch's. Runs
// alternate modes --runs times (default 1) and the medians are reported.
//   node --import tsx bench/shuffle-quality.ts [--rows 10000000] [--epochs 3] [--runs 1]
//        [--shuffle '{"blockBytes":1048576,"openBlocks":32}'] [--workers auto] [--json OUT]
//        [--modes 'buffer 10k,block shuffle']  (a subset; 'vs perfect' needs 'in-memory shuffle')
// The file's timestamp column holds the row's input position, so no side table is needed.
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BlockShuffleOptions, csv, type Dataset, type NumericArray, permutation, randomInt, shuffledCsv } from '../src/core.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    mode: { type: 'string' },
    modes: { type: 'string' },
    file: { type: 'string' },
    json: { type: 'string' },
    epochs: { type: 'string', default: '3' },
    runs: { type: 'string', default: '1' },
    // Block shuffle options as JSON, e.g. '{"blockBytes":1048576,"openBlocks":32}'.
    shuffle: { type: 'string', default: '{}' },
    // shuffledCsv's workers for the 'block shuffle' mode.
    workers: { type: 'string', default: 'auto' },
  },
});
const blockOptions = { seed: 1, ...(JSON.parse(values.shuffle!) as BlockShuffleOptions) };
const workers = values.workers === 'auto' ? 'auto' : Number(values.workers);
const epochs = Math.max(2, Number(values.epochs));
const rows = Number(values.rows);
const columns = { userId: 'int32', movieId: 'int32', rating: 'float32', timestamp: 'int32' } as const;
type Row = { userId: number; movieId: number; rating: number; timestamp: number };
const BATCH = 1024;

/** A user-sorted file: users rate a skewed number of movies (mean ~150), timestamp = row index. */
async function writeSortedFile(path: string, n: number): Promise<void> {
  const rand = randomInt(7);
  const out = createWriteStream(path);
  out.write('userId,movieId,rating,timestamp\n');
  let row = 0;
  let user = 1;
  let parts: string[] = [];
  while (row < n) {
    const count = Math.min(n - row, 20 + Math.floor(-Math.log(1 - rand(1e6) / 1e6) * 130));
    for (let k = 0; k < count; k++, row++) parts.push(`${user},${1 + rand(50_000)},${(1 + rand(9)) / 2},${row}\n`);
    user++;
    if (parts.length > 50_000) {
      if (!out.write(parts.join(''))) await once(out, 'drain');
      parts = [];
    }
  }
  out.write(parts.join(''));
  out.end();
  await once(out, 'finish');
}

const modes: Record<string, (file: string) => Dataset<Row>> = {
  'no shuffle': (file) => csv(file, { columns }),
  'buffer 10k': (file) => csv(file, { columns }).shuffle(10_000, { seed: 1 }),
  'block, no worker': (file) => shuffledCsv(file, { columns, workers: 0, shuffle: blockOptions }),
  'block shuffle': (file) => shuffledCsv(file, { columns, workers, shuffle: blockOptions }),
};

/** Quality of one epoch's order: rank correlation with the input and users per batch. */
class Quality {
  private position = 0;
  private sumD2 = 0;
  private distinct = 0;
  private batches = 0;
  // Distinct users per batch by stamping each user with the last batch it was seen in: a
  // few ns a row whatever the mix, so the accounting costs every mode alike (a Map costs
  // more the more users a batch holds, which would charge the shuffles for their quality).
  private lastSeen = new Int32Array(1 << 17).fill(-1);

  add(user: NumericArray, input: NumericArray, size: number): void {
    for (let i = 0; i < size; i++, this.position++) {
      const d = input[i]! - this.position;
      this.sumD2 += d * d;
    }
    if (size !== BATCH) return;
    for (let i = 0; i < size; i++) {
      const u = user[i]!;
      if (u >= this.lastSeen.length) {
        const grown = new Int32Array(2 * u).fill(-1);
        grown.set(this.lastSeen);
        this.lastSeen = grown;
      }
      if (this.lastSeen[u] !== this.batches) {
        this.lastSeen[u] = this.batches;
        this.distinct++;
      }
    }
    this.batches++;
  }

  result(mode: string): { spearman: number; distinctUsersPerBatch: number } {
    const n = this.position;
    if (n !== rows) throw new Error(`${mode}: ${n} rows, expected ${rows}`);
    return { spearman: 1 - (6 * this.sumD2) / (n * (n * n - 1)), distinctUsersPerBatch: this.distinct / this.batches };
  }
}

/** The perfect shuffle: every row in memory (read once), one Fisher–Yates permutation an epoch. */
function inMemory(file: string): () => AsyncIterable<{ size: number; columns: { userId: NumericArray; timestamp: NumericArray } }> {
  let data: { user: Int32Array; ts: Int32Array; n: number } | undefined;
  let epoch = 0;
  return async function* () {
    if (data === undefined) {
      const user = new Int32Array(rows);
      const ts = new Int32Array(rows);
      let n = 0;
      for await (const b of csv(file, { columns }).batch(65536)) {
        user.set(b.columns.userId, n);
        ts.set(b.columns.timestamp, n);
        n += b.size;
      }
      data = { user, ts, n };
    }
    const { user, ts, n } = data;
    const p = permutation(n, randomInt(1 + epoch++));
    for (let s = 0; s < n; s += BATCH) {
      const size = Math.min(BATCH, n - s);
      const bu = new Int32Array(size);
      const bt = new Int32Array(size);
      for (let i = 0; i < size; i++) {
        bu[i] = user[p[s + i]!]!;
        bt[i] = ts[p[s + i]!]!;
      }
      yield { size, columns: { userId: bu, timestamp: bt } };
    }
  };
}

/** One mode, in this process: stream `epochs` epochs, measure, print one JSON line. */
async function measure(mode: string, file: string): Promise<void> {
  let batches: () => AsyncIterable<{ size: number; columns: { userId: NumericArray; timestamp: NumericArray } }>;
  if (mode === 'in-memory shuffle') batches = inMemory(file);
  else {
    const make = modes[mode];
    if (!make) throw new Error(`unknown mode ${mode}`);
    const ds = make(file).batch(BATCH);
    batches = () => ds;
  }
  const seconds: number[] = [];
  let quality: ReturnType<Quality['result']> | undefined;
  for (let e = 0; e < epochs; e++) {
    const q = new Quality();
    const t0 = performance.now();
    for await (const b of batches()) q.add(b.columns.userId, b.columns.timestamp, b.size);
    seconds.push((performance.now() - t0) / 1000);
    quality ??= q.result(mode);
  }
  const warm = median(seconds.slice(1));
  process.stdout.write(JSON.stringify({ mode, rows, epochs, seconds, firstEpochSeconds: seconds[0], rowsPerSecond: rows / warm, ...quality, peakRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (values.mode !== undefined) {
  await measure(values.mode, values.file!);
} else {
  const file = join(tmpdir(), `sluice-user-sorted-${rows}.csv`);
  if (!existsSync(file)) await writeSortedFile(file, rows);
  const known = [...Object.keys(modes), 'in-memory shuffle'];
  const names = values.modes === undefined ? known : values.modes.split(',');
  for (const m of names) if (!known.includes(m)) throw new Error(`--modes: unknown mode '${m}' (known: ${known.join(', ')})`);
  const runs = new Map<string, { rowsPerSecond: number; firstEpochSeconds: number; peakRssMb: number; spearman: number; distinctUsersPerBatch: number }[]>(names.map((m) => [m, []]));
  // Rounds alternate the modes, so that drift on a shared machine hits all alike.
  for (let r = 0; r < Number(values.runs); r++) {
    for (const mode of names) {
      const args = [...process.execArgv, import.meta.filename, '--mode', mode, '--file', file, '--rows', String(rows), '--epochs', String(epochs), '--shuffle', values.shuffle!, '--workers', values.workers!];
      const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
      runs.get(mode)!.push(JSON.parse(out.trim().split('\n').at(-1)!));
    }
  }
  const results = names.map((mode) => {
    const rs = runs.get(mode)!;
    const pick = (k: 'rowsPerSecond' | 'firstEpochSeconds' | 'peakRssMb') => median(rs.map((x) => x[k]));
    return { mode, rowsPerSecond: pick('rowsPerSecond'), firstEpochSeconds: pick('firstEpochSeconds'), peakRssMb: pick('peakRssMb'), spearman: rs[0]!.spearman, distinctUsersPerBatch: rs[0]!.distinctUsersPerBatch, runs: rs };
  });
  const perfect = results.find((r) => r.mode === 'in-memory shuffle')?.distinctUsersPerBatch ?? NaN;
  const sequential = results.find((r) => r.mode === 'no shuffle')?.rowsPerSecond ?? NaN;
  const percent = (x: number): string => (Number.isNaN(x) ? '–' : `${x.toFixed(1)}%`);
  console.log(`user-sorted file, ${rows.toLocaleString('en')} rows, batch ${BATCH}, ${epochs} epochs a run, median of ${values.runs} run(s) (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${availableParallelism()} CPUs)`);
  console.log('| mode | \\|Spearman\\| | users / batch | vs perfect | rows/s (warm) | vs sequential | first epoch s | peak RSS |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.mode} | ${Math.abs(r.spearman).toFixed(4)} | ${r.distinctUsersPerBatch.toFixed(1)} | ${percent((100 * r.distinctUsersPerBatch) / perfect)} | ${(r.rowsPerSecond / 1e6).toFixed(2)}M | ${percent((100 * r.rowsPerSecond) / sequential)} | ${r.firstEpochSeconds.toFixed(2)} | ${r.peakRssMb.toFixed(0)} MB |`,
    );
  }
  if (values.json) writeFileSync(values.json, JSON.stringify({ date: new Date().toISOString(), rows, batch: BATCH, epochs, results }, null, 2));
}
