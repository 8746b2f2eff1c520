import { csv, type CsvColumns, type Dataset } from '../../src/core.js';
import type { RatingsFormat } from './format.js';

/** One rating as MovieLens stores it (the timestamp column is not read). */
export type Rating = { userId: number; movieId: number; rating: number };

export const RATING_SCHEMA = { userId: 'int32', movieId: 'int32', rating: 'float32' } as const;

/**
 * What csv() and shuffledCsv() need to read the three columns of a ratings file in this
 * format (`header`, `columns`), and the renaming that gives them MovieLens's names (for a
 * mapped file: `--columns`). The one place that turns a RatingsFormat into csv options.
 * @example
 * const { csv: options, rename } = ratingsCsvOptions({ delimiter: ',', header: true, columns: { user: 'uid', item: 'iid', rating: 'score' } });
 */
export function ratingsCsvOptions(format: RatingsFormat): { csv: { delimiter: string; header: boolean | readonly string[]; columns: CsvColumns }; rename: Record<string, string> | undefined } {
  const delimiter = format.delimiter;
  const c = format.columns;
  if (c === undefined) {
    // Headerless releases (u.data, ratings.dat) get MovieLens's names.
    return { csv: { delimiter, header: format.header ? true : ['userId', 'movieId', 'rating', 'timestamp'], columns: RATING_SCHEMA }, rename: undefined };
  }
  // Without a header csv() names the columns '0', '1', …: the mapping holds those names.
  const columns: CsvColumns = { [c.user]: 'int32', [c.item]: 'int32', [c.rating]: 'float32' };
  return { csv: { delimiter, header: format.header, columns }, rename: { [c.user]: 'userId', [c.item]: 'movieId', [c.rating]: 'rating' } };
}

/**
 * The ratings of a MovieLens file as columnar chunks ({userId: Int32Array, movieId:
 * Int32Array, rating: Float32Array}), streamed by sluice's csv reader: every epoch rereads
 * the file and memory stays at one read block plus one chunk. Only the three columns are
 * decoded. A bad line is a DataError naming file, line and text.
 * A header must name the columns as MovieLens does (userId, movieId, rating), or the format
 * maps them (`detectFormat(file, { columns: { user: 'uid', item: 'iid', rating: 'score' } })`).
 * @example
 * const ds = readRatings('ml-100k/u.data', { delimiter: '\t', header: false });
 * for await (const b of ds.batch(1024)) b.columns.rating; // Float32Array
 */
export function readRatings(file: string, format: RatingsFormat): Dataset<Rating> {
  const o = ratingsCsvOptions(format);
  const ds = csv(file, o.csv);
  return (o.rename === undefined ? ds : ds.rename(o.rename)) as unknown as Dataset<Rating>;
}
