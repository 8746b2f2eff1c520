// A small seeded writer of MovieLens-format rating files (`userId,movieId,rating,timestamp`
// with a header, rows sorted by user like the real files) for the loader benchmarks.
// Written here rather than taken from pipelines/synthetic so the benches do not depend on
// the training code; the values only need the shape and widths of real MovieLens rows.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomInt } from '../../src/random.js';

/**
 * Writes `rows` MovieLens-format ratings to `file` (atomically: a temp name, then rename),
 * fields separated by `delimiter` (ml-1m and ml-10m use '::').
 * @example
 * writeRatingsFile('/tmp/r.csv', 1000, 1); // header + 1000 rows, same bytes for seed 1
 */
export function writeRatingsFile(file: string, rows: number, seed = 1, delimiter = ','): void {
  const d = delimiter;
  const rand = randomInt(seed);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, `${['userId', 'movieId', 'rating', 'timestamp'].join(d)}\n`);
    let user = 0;
    let left = 0; // ratings left for the current user
    let time = 1_000_000_000;
    const block = 65_536;
    for (let start = 0; start < rows; start += block) {
      const end = Math.min(rows, start + block);
      let text = '';
      for (let i = start; i < end; i++) {
        if (left === 0) {
          user++;
          left = 20 + rand(200);
          time = 800_000_000 + rand(900_000_000);
        }
        left--;
        time += rand(5000);
        const movie = 1 + (rand(4) === 0 ? rand(200_000) : rand(10_000)); // popularity skew
        const halfStars = 1 + rand(10); // 0.5 … 5.0
        text += `${user}${d}${movie}${d}${halfStars >> 1}.${halfStars & 1 ? 5 : 0}${d}${time}\n`;
      }
      fs.writeSync(fd, text);
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/**
 * The path of a cached `rows`-row ratings file in the temp dir, written on first use.
 * @example
 * const file = ratingsFile(1_000_000); // reused by later runs with the same rows and seed
 */
export function ratingsFile(rows: number, options: { seed?: number; dir?: string; delimiter?: string } = {}): string {
  const seed = options.seed ?? 1;
  const delimiter = options.delimiter ?? ',';
  const dir = options.dir ?? path.join(os.tmpdir(), 'sluice-bench');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `ratings-${rows}-s${seed}${delimiterTag(delimiter)}.csv`);
  if (!fs.existsSync(file)) writeRatingsFile(file, rows, seed, delimiter);
  return file;
}

/**
 * A file-name part for a delimiter: none for ',' (the names earlier runs wrote), else its bytes in hex.
 * @example
 * delimiterTag('::'); // '-d3a3a'
 */
export function delimiterTag(delimiter: string): string {
  return delimiter === ',' ? '' : `-d${Buffer.from(delimiter).toString('hex')}`;
}
