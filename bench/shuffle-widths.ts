// The shuffle buffer's swap in the kernel (KernelSwap) against the JavaScript loop, by row
// width: N rows of W 4-byte columns (fresh chunks, so the buffer swaps in place) through
// shuffle(10k), the two ways alternating, median of runs. It sets KernelSwap's width limit.
//   node --import tsx bench/shuffle-widths.ts [--rows 2000000] [--runs 5] [--widths 2,3,4,8,16,32]
import { ColumnChunk, Dataset, type NumericArray } from '../src/index.js';
import { useSimdKernel } from '../src/kernel.js';
import { spread } from '../cli/bench/stats.js';
import { benchFlags, intFlag } from './lib/args.js';

const flags = benchFlags({ rows: '2000000', runs: '5', widths: '2,3,4,8,16,32' });
const rows = intFlag('rows', flags.rows);
const runs = intFlag('runs', flags.runs);
const CHUNK = 4096;

/** `rows` rows of `width` columns (int32 and float32 in turn), in fresh chunks of CHUNK rows. */
function source(width: number): Dataset<unknown> {
  return new Dataset({
    size: rows,
    freshChunks: true,
    open: async function* () {
      for (let s = 0; s < rows; s += CHUNK) {
        const n = Math.min(CHUNK, rows - s);
        const columns: Record<string, NumericArray> = {};
        for (let c = 0; c < width; c++) columns[`c${c}`] = c % 2 === 1 ? new Float32Array(n).fill(s) : new Int32Array(n).fill(c);
        yield new ColumnChunk(n, columns);
      }
      return undefined;
    },
  });
}

process.stdout.write(`${rows.toLocaleString('en')} rows through shuffle(10000), ${runs} runs each way (alternating; chunk making included)\n`);
process.stdout.write('| columns | kernel, ms (min–max) | JavaScript, ms (min–max) | JavaScript ÷ kernel |\n|---:|---:|---:|---:|\n');
for (const width of flags.widths.split(',').map((w) => intFlag('widths', w))) {
  const ms: Record<'kernel' | 'javascript', number[]> = { kernel: [], javascript: [] };
  for (let r = 0; r < runs; r++) {
    for (const way of r % 2 === 0 ? (['kernel', 'javascript'] as const) : (['javascript', 'kernel'] as const)) {
      useSimdKernel(way === 'kernel');
      const started = performance.now();
      for await (const c of source(width).shuffle(10_000, { seed: 1 }).chunks()) void c;
      ms[way].push(performance.now() - started);
    }
  }
  useSimdKernel(true);
  const k = spread(ms.kernel);
  const js = spread(ms.javascript);
  process.stdout.write(`| ${width} | ${k.median.toFixed(0)} (${k.min.toFixed(0)}–${k.max.toFixed(0)}) | ${js.median.toFixed(0)} (${js.min.toFixed(0)}–${js.max.toFixed(0)}) | ${(js.median / k.median).toFixed(2)}× |\n`);
}
