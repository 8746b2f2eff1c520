// Shuffle quality on a user-sorted ratings file, as real MovieLens files are sorted.
// For each mode: |Spearman ρ| between input and output row positions, mean distinct users
// per batch of 1024 (against the perfect shuffle's), rows/s and peak RSS. Each mode runs in
// its own child process so its peak RSS is its own.
//   node --import tsx bench/shuffle-quality.ts [--rows 10000000] [--json OUT]
// The file's timestamp column holds the row's input position, so no side table is needed.
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BlockShuffleOptions, csv, type Dataset, type NumericArray, permutation, randomInt, shuffledCsv } from '../src/core.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    mode: { type: 'string' },
    file: { type: 'string' },
    json: { type: 'string' },
    // Block shuffle options as JSON, e.g. '{"blockBytes":1048576,"openBlocks":32}'.
    shuffle: { type: 'string', default: '{}' },
    workers: { type: 'string', default: '2' },
  },
});
const blockOptions = { seed: 1, ...(JSON.parse(values.shuffle!) as BlockShuffleOptions) };
const workers = Number(values.workers);
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
  'block shuffle': (file) => shuffledCsv(file, { columns, shuffle: blockOptions }),
  'block, workers': (file) => shuffledCsv(file, { columns, workers, shuffle: blockOptions }),
};

/** One mode, in this process: stream the epoch, measure, print one JSON line. */
async function measure(mode: string, file: string): Promise<void> {
  const t0 = performance.now();
  let position = 0;
  let sumD2 = 0;
  let distinct = 0;
  let batches = 0;
  // Distinct users per batch by stamping each user with the last batch it was seen in: a
  // few ns a row whatever the mix, so the accounting costs every mode alike (a Map costs
  // more the more users a batch holds, which would charge the shuffles for their quality).
  let lastSeen = new Int32Array(1 << 17).fill(-1);
  const account = (user: NumericArray, input: NumericArray, size: number) => {
    for (let i = 0; i < size; i++, position++) {
      const d = input[i]! - position;
      sumD2 += d * d;
    }
    if (size === BATCH) {
      for (let i = 0; i < size; i++) {
        const u = user[i]!;
        if (u >= lastSeen.length) {
          const grown = new Int32Array(2 * u).fill(-1);
          grown.set(lastSeen);
          lastSeen = grown;
        }
        if (lastSeen[u] !== batches) {
          lastSeen[u] = batches;
          distinct++;
        }
      }
      batches++;
    }
  };
  if (mode === 'in-memory shuffle') {
    // The perfect shuffle: every row in memory, one Fisher–Yates permutation.
    const user = new Int32Array(rows);
    const ts = new Int32Array(rows);
    let n = 0;
    for await (const b of csv(file, { columns }).batch(65536)) {
      user.set(b.columns.userId, n);
      ts.set(b.columns.timestamp, n);
      n += b.size;
    }
    const p = permutation(n, randomInt(1));
    const bu = new Int32Array(BATCH);
    const bt = new Int32Array(BATCH);
    for (let s = 0; s < n; s += BATCH) {
      const size = Math.min(BATCH, n - s);
      for (let i = 0; i < size; i++) {
        bu[i] = user[p[s + i]!]!;
        bt[i] = ts[p[s + i]!]!;
      }
      account(bu, bt, size);
    }
  } else {
    const make = modes[mode];
    if (!make) throw new Error(`unknown mode ${mode}`);
    for await (const b of make(file).batch(BATCH)) account(b.columns.userId, b.columns.timestamp, b.size);
  }
  const seconds = (performance.now() - t0) / 1000;
  if (position !== rows) throw new Error(`${mode}: ${position} rows, expected ${rows}`);
  const n = position;
  const spearman = 1 - (6 * sumD2) / (n * (n * n - 1));
  process.stdout.write(
    JSON.stringify({ mode, rows: n, seconds, rowsPerSecond: n / seconds, spearman, distinctUsersPerBatch: distinct / batches, peakRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n',
  );
}

if (values.mode !== undefined) {
  await measure(values.mode, values.file!);
} else {
  const file = join(tmpdir(), `sluice-user-sorted-${rows}.csv`);
  if (!existsSync(file)) await writeSortedFile(file, rows);
  const results = [];
  for (const mode of [...Object.keys(modes), 'in-memory shuffle']) {
    const out = execFileSync(process.execPath, [...process.execArgv, import.meta.filename, '--mode', mode, '--file', file, '--rows', String(rows), '--shuffle', values.shuffle!, '--workers', values.workers!], { encoding: 'utf8', maxBuffer: 1 << 20 });
    results.push(JSON.parse(out.trim().split('\n').at(-1)!));
  }
  const perfect = results.find((r) => r.mode === 'in-memory shuffle')!.distinctUsersPerBatch as number;
  const sequential = results.find((r) => r.mode === 'no shuffle')!.rowsPerSecond as number;
  console.log(`user-sorted file, ${rows.toLocaleString('en')} rows, batch ${BATCH} (${new Date().toISOString().slice(0, 10)}, Node ${process.version})`);
  console.log('mode                 |Spearman|  users/batch  vs perfect   rows/s      vs sequential  peak RSS');
  for (const r of results) {
    console.log(
      `${r.mode.padEnd(20)} ${Math.abs(r.spearman).toFixed(4).padStart(9)}  ${r.distinctUsersPerBatch.toFixed(1).padStart(11)}  ${((100 * r.distinctUsersPerBatch) / perfect).toFixed(1).padStart(8)}%  ${(r.rowsPerSecond / 1e6).toFixed(2).padStart(6)}M  ${((100 * r.rowsPerSecond) / sequential).toFixed(0).padStart(10)}%  ${r.peakRssMb.toFixed(0).padStart(6)} MB`,
    );
  }
  if (values.json) writeFileSync(values.json, JSON.stringify({ date: new Date().toISOString(), rows, batch: BATCH, results }, null, 2));
}
