// The shuffle buffer alone: N rows of 4 columns through shuffle(10k), in the three layouts
// the buffer has: 4-byte columns packed row-major (int32/float32, the MovieLens case), one
// array per column (any float64 column), and row objects. Median of runs, same process.
//   node --import tsx bench/shuffle-buffer.ts [--rows 10000000] [--runs 5]
import { parseArgs } from 'node:util';
import { ColumnChunk, Dataset, type NumericArray } from '../src/index.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '10000000' }, runs: { type: 'string', default: '5' } } });
const rows = Number(values.rows);
const runs = Number(values.runs);
const CHUNK = 4096;

function chunks(make: (n: number) => NumericArray): ColumnChunk[] {
  const out: ColumnChunk[] = [];
  for (let s = 0; s < rows; s += CHUNK) {
    const n = Math.min(CHUNK, rows - s);
    out.push(new ColumnChunk(n, { userId: make(n), movieId: make(n), rating: make(n), timestamp: make(n) }));
  }
  return out;
}
const packed = chunks((n) => new Int32Array(n));
const separate = chunks((n) => new Float64Array(n));
const objects = packed.slice(0, Math.ceil(1_000_000 / CHUNK)).map((c) => Array.from({ length: c.size }, (_, i) => ({ userId: i, movieId: i, rating: i, timestamp: i })));

async function rate(parts: readonly (ColumnChunk | object[])[]): Promise<number> {
  const n = parts.reduce((s, c) => s + (c instanceof ColumnChunk ? c.size : c.length), 0);
  const ds = new Dataset<unknown>({ size: n, open: async function* () { yield* parts; return undefined; } });
  const t = performance.now();
  let seen = 0;
  for await (const c of ds.shuffle(10_000, { seed: 1 }).chunks()) seen += c instanceof ColumnChunk ? c.size : c.length;
  if (seen !== n) throw new Error(`lost rows: ${seen} of ${n}`);
  return n / ((performance.now() - t) / 1000);
}

const layouts = { 'packed 4-byte columns': packed, 'one array per column (float64)': separate, 'row objects (1M rows)': objects };
const results: Record<string, number[]> = {};
for (let r = 0; r < runs; r++) for (const [name, parts] of Object.entries(layouts)) (results[name] ??= []).push(await rate(parts));
console.log(`shuffle(10000) of ${rows.toLocaleString('en')} rows × 4 columns, median of ${runs} (Node ${process.version})`);
for (const [name, xs] of Object.entries(results)) {
  const s = [...xs].sort((a, b) => a - b);
  console.log(`${name.padEnd(32)} ${(s[Math.floor(s.length / 2)]! / 1e6).toFixed(1).padStart(6)} M rows/s  (min ${(s[0]! / 1e6).toFixed(1)}, max ${(s.at(-1)! / 1e6).toFixed(1)})`);
}
