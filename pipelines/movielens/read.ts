import { csv, type Dataset } from '../../src/core.js';
import type { RatingsFormat } from './format.js';

/** One rating as MovieLens stores it (the timestamp column is not read). */
export type Rating = { userId: number; movieId: number; rating: number };

export const RATING_SCHEMA = { userId: 'int32', movieId: 'int32', rating: 'float32' } as const;

/**
 * The ratings of a MovieLens file as columnar chunks ({userId: Int32Array, movieId:
 * Int32Array, rating: Float32Array}), streamed by sluice's csv reader: every epoch rereads
 * the file and memory stays at one read block plus one chunk. Only the three columns are
 * decoded. A bad line is a DataError naming file, line and text.
 * Files with a header must name the columns as MovieLens does (userId, movieId, rating).
 * @example
 * const ds = readRatings('ml-100k/u.data', { delimiter: '\t', header: false });
 * for await (const b of ds.batch(1024)) b.columns.rating; // Float32Array
 */
export function readRatings(file: string, format: RatingsFormat): Dataset<Rating> {
  const ds = csv(file, {
    delimiter: format.delimiter,
    // Headerless releases (u.data, ratings.dat) get MovieLens's names.
    header: format.header ? true : ['userId', 'movieId', 'rating', 'timestamp'],
    columns: RATING_SCHEMA,
  });
  return ds as unknown as Dataset<Rating>;
}
