// First contact: csv() and shuffledCsv() without `columns` (dtypes guessed from the first
// rows) against the same with the columns declared, one epoch each through batch(1024),
// alternating, in one process (the first round warms it up and is not counted).
//   node --import tsx bench/no-columns.ts [--rows 3000000] [--runs 3]
import { csv } from '../src/csv/reader.js';
import { shuffledCsv } from '../src/csv/shuffled.js';
import { spread } from '../cli/bench/stats.js';
import { benchFlags, intFlag } from './lib/args.js';
import { ratingsFile } from './lib/ratings-file.js';

const flags = benchFlags({ rows: '3000000', runs: '3' });
const rows = intFlag('rows', flags.rows);
const file = ratingsFile(rows);
const columns = { userId: 'int32', movieId: 'int32', rating: 'float32', timestamp: 'int32' } as const;
const ways: Record<string, () => AsyncIterable<unknown>> = {
  'csv, no columns': () => csv(file).batch(1024),
  'csv, columns': () => csv(file, { columns }).batch(1024),
  'shuffledCsv, no columns': () => shuffledCsv(file, { shuffle: { seed: 1 } }).batch(1024),
  'shuffledCsv, columns': () => shuffledCsv(file, { columns, shuffle: { seed: 1 } }).batch(1024),
};
const seconds: Record<string, number[]> = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
for (let r = 0; r <= intFlag('runs', flags.runs); r++) {
  for (const [name, make] of Object.entries(ways)) {
    const started = performance.now();
    for await (const b of make()) void b;
    if (r > 0) seconds[name]!.push((performance.now() - started) / 1000);
  }
}
process.stdout.write(`${file}: ${rows.toLocaleString('en')} rows, one epoch → batch(1024), seconds, median (min–max)\n| pipeline | seconds |\n|---|---:|\n`);
for (const [name, s] of Object.entries(seconds)) {
  const x = spread(s);
  process.stdout.write(`| ${name} | ${x.median.toFixed(3)} (${x.min.toFixed(3)}–${x.max.toFixed(3)}) |\n`);
}
