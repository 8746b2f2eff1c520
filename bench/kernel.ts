// What the fast engine's WebAssembly kernel (src/csv/simd.ts) buys, measured side by side in
// one process, kernel on and off alternating, on one thread (workers: 0, where the switch
// applies):
//   decode:        csv(engine 'fast') chunks, the 4 MovieLens columns
//   decode → shuffle(10k): the same through a shuffle buffer (with the kernel the buffer's
//                  slots live in a kernel instance and each row's swap runs there)
//   block shuffle: shuffledCsv chunks (decode, deal and hand out; with the kernel a block is
//                  decoded and dealt in one pass)
// Usage: node --import tsx bench/kernel.ts [--rows 10000000] [--runs 5] [--delimiter '::']
// (--delimiter: the same rows with another delimiter, e.g. ml-1m's and ml-10m's '::')
// Prints CPU ns a row (median over runs) and the ratio of medians; writes bench/out/kernel-<rows>.json.
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { csv } from '../src/csv/reader.js';
import { shuffledCsv } from '../src/csv/shuffled.js';
import { simdKernelLoaded, useSimdKernel } from '../src/kernel.js';
import { spread } from '../cli/bench/stats.js';
import { benchFlags, intFlag } from './lib/args.js';
import { delimiterTag, ratingsFile } from './lib/ratings-file.js';

const flags = benchFlags({ rows: '10000000', runs: '5', delimiter: ',' });
const rows = intFlag('rows', flags.rows);
const runs = intFlag('runs', flags.runs);
if (!simdKernelLoaded()) throw new Error('the kernel is not built: run `npm run build:wasm`');
const delimiter = flags.delimiter;
const file = ratingsFile(rows, { delimiter });
const COLUMNS = { userId: 'int32', movieId: 'int32', rating: 'float32', timestamp: 'int32' } as const;

const pipelines: Record<string, () => AsyncIterable<unknown>> = {
  decode: () => csv(file, { header: true, delimiter, columns: COLUMNS, engine: 'fast' }).chunks(),
  'decode → shuffle(10k)': () => csv(file, { header: true, delimiter, columns: COLUMNS, engine: 'fast' }).shuffle(10_000, { seed: 1 }).chunks(),
  'block shuffle': () => shuffledCsv(file, { columns: COLUMNS, delimiter, workers: 0, shuffle: { seed: 1 } }).chunks(),
};

/** CPU nanoseconds a row of one epoch of `pipeline`, kernel on or off. */
async function nsPerRow(pipeline: () => AsyncIterable<unknown>, kernel: boolean): Promise<number> {
  useSimdKernel(kernel);
  try {
    const cpu = process.cpuUsage();
    let n = 0;
    for await (const chunk of pipeline()) n += (chunk as { size: number }).size;
    const used = process.cpuUsage(cpu);
    if (n !== rows) throw new Error(`read ${n} rows of ${rows}`);
    return ((used.user + used.system) * 1000) / n;
  } finally {
    useSimdKernel(true);
  }
}

const results: Record<string, { kernel: number[]; byteLoop: number[] }> = {};
for (const [name, pipeline] of Object.entries(pipelines)) {
  const r = (results[name] = { kernel: [] as number[], byteLoop: [] as number[] });
  await nsPerRow(pipeline, true); // warm-up: JIT, kernel tier-up, page cache
  for (let i = 0; i < runs; i++) {
    // Alternating, the order flipped every run: both see the same machine weather.
    for (const kernel of i % 2 === 0 ? [true, false] : [false, true]) (kernel ? r.kernel : r.byteLoop).push(await nsPerRow(pipeline, kernel));
  }
}
const lines = [`| one thread, 4 columns, '${delimiter}' | byte loop, CPU ns a row | kernel, CPU ns a row | byte loop ÷ kernel |`, '|---|---:|---:|---:|'];
for (const [name, r] of Object.entries(results)) {
  const [k, b] = [spread(r.kernel), spread(r.byteLoop)];
  lines.push(`| ${name} | ${b.median.toFixed(1)} (${b.min.toFixed(1)}–${b.max.toFixed(1)}) | ${k.median.toFixed(1)} (${k.min.toFixed(1)}–${k.max.toFixed(1)}) | **${(b.median / k.median).toFixed(2)}×** |`);
}
const out = fileURLToPath(new URL(`out/kernel-${rows}${delimiterTag(delimiter)}.json`, import.meta.url));
fs.mkdirSync(fileURLToPath(new URL('out', import.meta.url)), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ rows, runs, delimiter, results }, null, 2));
process.stdout.write(`${rows.toLocaleString('en')} rows, ${runs} runs each, alternating (median, min–max)\n${lines.join('\n')}\nJSON: ${out}\n`);
