// Where the pipelines' time goes beyond the bare decode loop (issue 18), part by part, with
// the file's bytes already in memory (no reads): each pipeline is run whole and then with its
// last stage left off, so each stage's cost is a difference of two runs. Every variant runs
// `--reps` times, alternating; the figure is the minimum CPU time of a variant, in ns a row
// (on a shared machine the minimum is the run least disturbed by the others).
//   node --import tsx bench/limit-parts.ts [--rows 2000000] [--reps 7] [--parts a,b,…]
import * as fs from 'node:fs';
import { type Chunk, CHUNK_SIZE, type ChunkSource, type ColumnBatch, ColumnChunk, epochOf, type NumericArray } from '../src/chunk.js';
import { Dataset } from '../src/dataset.js';
import { AutoDecoder } from '../src/csv/auto.js';
import { BadRows, emptyStats } from '../src/csv/fields.js';
import { checkOptions, makeLayout } from '../src/csv/reader.js';
import { MAX_ROW_BYTES } from '../src/csv/lines.js';
import { BlockDealer } from '../src/shuffle/dealer.js';
import { handOut } from '../src/shuffle/hand-out.js';
import type { BlockRows } from '../src/shuffle/windows.js';
import { mixSeed, randomState } from '../src/random.js';
import { batchToTensors, useCpu } from '../cli/bench/contenders/tensors.js';
import { DEFAULT_COLUMNS } from '../cli/bench/protocol.js';
import { commaLines, type LineState } from '../cli/bench/plain-contenders.js';
import { benchFlags, intFlag } from './lib/args.js';
import { ratingsFile } from './lib/ratings-file.js';

const flags = benchFlags({ rows: '2000000', reps: '7', parts: '' });
const rows = intFlag('rows', flags.rows);
const file = ratingsFile(rows);
const bytes = fs.readFileSync(file);
const headerEnd = bytes.indexOf(10);
const names = bytes.toString('utf8', 0, headerEnd).split(',');
const columns = DEFAULT_COLUMNS;
const layout = makeLayout(file, checkOptions(file, { columns, header: names }), names, []);
/** The body in line-aligned blocks of about 1 MiB (csv()'s read size, the block shuffle's block). */
const blocks: Buffer[] = [];
for (let s = headerEnd + 1; s < bytes.length; ) {
  const e = Math.min(bytes.length, bytes.lastIndexOf(10, Math.min(bytes.length - 1, s + (1 << 20))) + 1);
  blocks.push(bytes.subarray(s, e));
  s = e;
}

/** The fast engine over the blocks, as csv() runs it: fresh columns a chunk, one await a chunk. */
const decoded: ChunkSource<Record<string, number>> = {
  size: undefined,
  freshChunks: true,
  open: () =>
    (async function* () {
      const decoder = new AutoDecoder(layout, new BadRows('error', emptyStats()), 2, CHUNK_SIZE, true, MAX_ROW_BYTES);
      const out: Chunk<Record<string, number>>[] = [];
      for (const block of blocks) {
        decoder.feed(block, out as never);
        for (const c of out) yield c;
        out.length = 0;
      }
      decoder.finish(out as never);
      yield* out;
      return undefined;
    })(),
};
const ds = new Dataset(decoded);

/** The bare loop of the `byte-decode` contender, over the same blocks, into reused arrays. */
function loop(): number {
  const targets = names.map((n) => (n in columns ? new Int32Array(CHUNK_SIZE) : null)) as (NumericArray | null)[];
  let count = 0;
  let row = 0;
  const st: LineState = { targets, ncols: names.length, row: () => row, full: (n) => void (count += n) };
  for (const buf of blocks) row = commaLines(buf, 0, buf.length, st);
  return count + row;
}

async function drain(chunks: AsyncIterable<Chunk<unknown> | ColumnBatch>, tensors = false): Promise<number> {
  let n = 0;
  for await (const c of chunks) {
    if (tensors) batchToTensors(c as ColumnBatch);
    n += c instanceof ColumnChunk ? c.size : 'columns' in c ? (c as ColumnBatch).size : (c as unknown[]).length;
  }
  return n;
}

/** One window of the block shuffle over the first `openBlocks` blocks: decode and lay out each in a random order, then hand out. */
function dealt(): BlockRows<unknown>[] {
  const dealer = new BlockDealer<unknown>();
  const window = blocks.slice(0, 32);
  return window.map((block, id) => {
    const decoder = new AutoDecoder(layout, new BadRows('error', emptyStats()), 2, CHUNK_SIZE, true, MAX_ROW_BYTES);
    const chunks: Chunk<unknown>[] = [];
    decoder.feed(block, chunks as never);
    decoder.finish(chunks as never);
    return dealer.deal(id, chunks, mixSeed(1, id));
  });
}
const windowRows = blocks.slice(0, 32).reduce((n, b) => n + b.length, 0) / (bytes.length / rows);

const PARTS: Record<string, () => Promise<number>> = {
  loop: async () => loop(),
  csv: () => drain(epochOf(ds.source)),
  'csv→batch': () => drain(ds.batch(1024)),
  'csv→shuffle': () => drain(epochOf(ds.shuffle(10_000, { seed: 1 }).source)),
  'csv→shuffle→batch': () => drain(ds.shuffle(10_000, { seed: 1 }).batch(1024)),
  // 10,000 is not a multiple of 1024: every chunk after the buffer fills has one batch that
  // straddles two chunks, copied into a fresh batch; with 10,240 every batch is a view.
  'csv→shuffle(10240)→batch': () => drain(ds.shuffle(10_240, { seed: 1 }).batch(1024)),
  'csv→shuffle→batch→tensors': () => drain(ds.shuffle(10_000, { seed: 1 }).batch(1024), true),
  'block: decode+deal a window': async () => {
    dealt();
    return Math.round(windowRows);
  },
  'block: decode+deal+hand out a window': async () => {
    let n = 0;
    for (const c of handOut(dealt(), randomState(7))) n += (c as ColumnChunk<unknown>).size;
    return n;
  },
};

await useCpu();
const chosen = flags.parts === '' ? Object.keys(PARTS) : flags.parts.split(',');
const best = new Map<string, number>();
const counts = new Map<string, number>();
for (let rep = 0; rep < intFlag('reps', flags.reps); rep++) {
  for (const name of chosen) {
    const run = PARTS[name];
    if (run === undefined) throw new Error(`unknown part '${name}' (${Object.keys(PARTS).join(', ')})`);
    const before = process.cpuUsage();
    const n = await run();
    const used = process.cpuUsage(before);
    const ns = ((used.user + used.system) * 1000) / n;
    counts.set(name, n);
    if (rep > 0) best.set(name, Math.min(best.get(name) ?? Infinity, ns)); // rep 0 warms the JIT
  }
}
const base = best.get('loop');
process.stdout.write(`${rows.toLocaleString('en')} rows in memory, min CPU ns a row over ${flags.reps} reps (first dropped)\n`);
for (const [name, ns] of best) {
  process.stdout.write(`${name.padEnd(40)} ${ns.toFixed(1).padStart(7)} ns/row${base === undefined ? '' : `  ${(base / ns).toFixed(2)}× the loop`}  (${counts.get(name)!.toLocaleString('en')} rows)\n`);
}
