// A guess of every column's dtype from a file's first rows, the one csv() makes, for the
// readers that decode a file in byte ranges (shuffledCsv, shuffledCsvFiles): one guess an
// epoch, handed to every range, where a guess each range made from its own rows could differ
// from range to range (int32 in one, float64 in the next).
import { checkOptions, type CsvColumns, type CsvOptions, makeLayout } from './options.js';
import { sampleRows } from './records.js';

/** Rows a guess looks at, as csv() holds them. */
export const SAMPLE_ROWS = 1000;
/** Bytes of a file's first rows read for a guess (a thousand rows of up to ~250 bytes). */
export const GUESS_BYTES = 256 << 10;

/**
 * The dtype csv() guesses for every column from `text`, the file's first rows (after its
 * header); undefined for a file with no rows and no header names.
 * @example
 * guessColumns('r.csv', {}, ['userId', 'rating'], '1,4.5\n2,3\n'); // { userId: 'int32', rating: 'float64' }
 */
export function guessColumns(file: string, options: CsvOptions, header: CsvOptions['header'], text: string): CsvColumns | undefined {
  const sample = sampleRows(text, options.delimiter ?? ',', SAMPLE_ROWS, true) ?? [];
  const names = Array.isArray(header) ? header : (sample[0] ?? []).map((_, i) => String(i));
  if (names.length === 0) return undefined;
  const { outputs } = makeLayout(file, checkOptions(file, { ...options, header }), names, sample);
  return Object.fromEntries(outputs.map((o) => [o.name, o.dtype]));
}

/**
 * Whether worker threads may decode blocks of the columns guessed: every one a number (a
 * text column stays on the main thread's reader). True for no guess (the columns were given).
 */
export function numbersOnly(guessed: CsvColumns | undefined): boolean {
  return guessed === undefined || Object.values(guessed).every((d) => d === 'int32' || d === 'float32' || d === 'float64');
}
