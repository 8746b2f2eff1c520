// Throughput of the csv engines on a MovieLens-format file, in one run:
//   fast engine csv → batch(1024), general engine csv → batch(1024),
//   fast-csv's bare parse (parseStream, headers), and a bare byte-decode loop (the limit).
// Usage: node --import tsx bench/csv.ts [--rows 10000000] [--runs 3] [--slow-rows 1000000] [--file F] [--json OUT]
// The slow contenders (general engine, fast-csv) read the first --slow-rows rows only: their
// rate does not depend on the file length, and 10M rows at ~0.2M rows/s would take minutes.
import { existsSync, openSync, readSync, closeSync, createReadStream, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseStream } from 'fast-csv';
import { csv } from '../src/csv/reader.js';
import { writeMovieLensFile } from '../test/helpers/movielens-file.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    runs: { type: 'string', default: '3' },
    'slow-rows': { type: 'string', default: '1000000' },
    file: { type: 'string' },
    json: { type: 'string' },
  },
});
const rows = Number(values.rows);
const runs = Number(values.runs);
const slowRows = Math.min(rows, Number(values['slow-rows']));
if (!(rows > 0 && runs > 0 && slowRows > 0)) throw new Error('--rows, --runs and --slow-rows must be positive numbers');

const file = values.file ?? join(tmpdir(), `sluice-bench-ml-${rows}.csv`);
if (!existsSync(file)) {
  const t = performance.now();
  writeMovieLensFile(`${file}.tmp`, { rows, seed: 1 });
  (await import('node:fs')).renameSync(`${file}.tmp`, file);
  console.error(`generated ${file} (${rows.toLocaleString('en')} rows) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
const COLUMNS = { userId: 'int32', movieId: 'int32', rating: 'float32', timestamp: 'int32' } as const;

/** Rows read by one run. */
type Contender = () => Promise<number>;

const contenders: { name: string; rows: number; run: Contender }[] = [
  {
    name: 'fast engine csv → batch(1024)',
    rows,
    run: async () => {
      let n = 0;
      for await (const b of csv(file, { columns: COLUMNS, engine: 'fast' }).batch(1024)) n += b.size;
      return n;
    },
  },
  {
    name: 'general engine csv → batch(1024)',
    rows: slowRows,
    run: async () => {
      let n = 0;
      for await (const b of csv(file, { columns: COLUMNS, engine: 'general' }).take(slowRows).batch(1024)) n += b.size;
      return n;
    },
  },
  {
    name: 'fast-csv bare parse (headers)',
    rows: slowRows,
    run: () =>
      new Promise<number>((resolve, reject) => {
        let n = 0;
        const input = createReadStream(file);
        const parser = parseStream(input, { headers: true });
        parser.on('data', () => {
          if (++n === slowRows) {
            input.destroy();
            parser.destroy();
            resolve(n);
          }
        });
        parser.on('end', () => resolve(n));
        parser.on('error', reject);
      }),
  },
  { name: 'bare byte-decode loop (limit)', rows, run: async () => bareDecode(file) },
];

/** The least a decoder can do: 4 numeric columns from bytes into typed arrays, no checks. */
function bareDecode(path: string): number {
  const fd = openSync(path, 'r');
  const cap = 4096;
  const cols = [new Int32Array(cap), new Int32Array(cap), new Float32Array(cap), new Int32Array(cap)];
  let buf = Buffer.allocUnsafe(1 << 20);
  let len = 0;
  let rowsRead = 0;
  let filled = 0;
  let header = true;
  try {
    for (;;) {
      const got = readSync(fd, buf, len, buf.length - len, null);
      len += got;
      const end = got === 0 ? len : buf.lastIndexOf(10, len - 1) + 1;
      let i = 0;
      if (header) {
        i = buf.indexOf(10) + 1;
        header = false;
      }
      while (i < end) {
        for (let c = 0; c < 4; c++) {
          let m = 0;
          let scale = 1;
          let ch = buf[i]!;
          while (ch >= 48 && ch <= 57) {
            m = m * 10 + ch - 48;
            ch = buf[++i]!;
          }
          if (ch === 46) {
            ch = buf[++i]!;
            while (ch >= 48 && ch <= 57) {
              m = m * 10 + ch - 48;
              scale *= 10;
              ch = buf[++i]!;
            }
          }
          cols[c]![filled] = m / scale;
          i++;
        }
        if (++filled === cap) filled = 0;
        rowsRead++;
      }
      if (got === 0) break;
      buf.copy(buf, 0, end, len);
      len -= end;
      if (len === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]);
    }
  } finally {
    closeSync(fd);
  }
  return rowsRead;
}

const results: { name: string; rows: number; rowsPerSecond: number; seconds: number[] }[] = [];
for (const c of contenders) {
  const seconds: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    const n = await c.run();
    seconds.push((performance.now() - t) / 1000);
    if (n !== c.rows) throw new Error(`${c.name}: read ${n} rows, expected ${c.rows}`);
  }
  const median = [...seconds].sort((a, b) => a - b)[Math.floor(seconds.length / 2)]!;
  results.push({ name: c.name, rows: c.rows, rowsPerSecond: c.rows / median, seconds });
  console.error(`  ${c.name}: ${(c.rows / median / 1e6).toFixed(2)}M rows/s`);
}

const width = Math.max(...results.map((r) => r.name.length));
console.log(`csv bench: ${rows.toLocaleString('en')}-row MovieLens file ${file}, median of ${runs} run(s), Node ${process.version}`);
console.log(`${'contender'.padEnd(width)}  ${'rows'.padStart(12)}  ${'M rows/s'.padStart(9)}`);
for (const r of results) console.log(`${r.name.padEnd(width)}  ${r.rows.toLocaleString('en').padStart(12)}  ${(r.rowsPerSecond / 1e6).toFixed(2).padStart(9)}`);
const report = { bench: 'csv', file, rows, runs, node: process.version, results };
console.log(JSON.stringify(report));
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n');
