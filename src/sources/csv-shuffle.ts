import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { Dataset } from '../dataset.js';
import { OptionError } from '../errors.js';
import { blockShuffle, type BlockShuffleOptions } from './block-shuffle.js';
import { csv, type CsvColumns, type CsvOptions, type CsvRecord, type CsvRow } from './csv.js';

export type ShuffledCsvOptions = Omit<CsvOptions, 'byteRange' | 'stats'> & { shuffle?: BlockShuffleOptions };

/**
 * A CSV file read in a near-uniform random order with bounded memory: `blockShuffle` over
 * byte ranges of the file (see BlockShuffleOptions). The header is read once per epoch and
 * handed to every block, so a block costs one positioned read.
 * @example
 * const ds = shuffledCsv('ratings.csv', { columns, shuffle: { seed: 1 } }).batch(1024);
 */
export function shuffledCsv<const C extends CsvColumns>(path: string, options: ShuffledCsvOptions & { columns: C }): Dataset<CsvRow<C>>;
export function shuffledCsv<R = CsvRecord>(path: string, options?: ShuffledCsvOptions): Dataset<R>;
export function shuffledCsv(path: string, options: ShuffledCsvOptions = {}): Dataset<CsvRecord> {
  const { shuffle, ...csvOptions } = options;
  if ('byteRange' in options) throw new OptionError('shuffledCsv: byteRange is chosen per block; leave it out');
  let layout = { start: 0, header: csvOptions.header };
  return blockShuffle(
    () => {
      layout = headerLayout(path, csvOptions);
      return statSync(path).size - layout.start;
    },
    (start, end) => csv(path, { ...csvOptions, header: layout.header, byteRange: [layout.start + start, layout.start + end] }),
    shuffle,
  );
}

/** Where the rows start, and the column names every block needs (read once per epoch). */
function headerLayout(path: string, options: CsvOptions): { start: number; header: CsvOptions['header'] } {
  if (options.header === false || Array.isArray(options.header)) return { start: 0, header: options.header };
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(64 << 10);
    const n = readSync(fd, head, 0, head.length, 0);
    const newline = head.subarray(0, n).indexOf(0x0a);
    if (newline < 0 && n === head.length) throw new OptionError(`shuffledCsv: the header line of '${path}' is longer than 64 KiB`);
    const end = newline < 0 ? n : newline;
    let line = head.toString('utf8', 0, end);
    if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const names = line.split(options.delimiter ?? ',').map((f) => (f.length >= 2 && f.startsWith('"') && f.endsWith('"') ? f.slice(1, -1).replaceAll('""', '"') : f));
    return { start: newline < 0 ? n : newline + 1, header: names };
  } finally {
    closeSync(fd);
  }
}
