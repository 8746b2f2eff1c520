// A tiny seeded writer of MovieLens-format rating files for tests and benches
// (the real synthetic generator lives in pipelines/synthetic; this one only needs the shape).
import { closeSync, openSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { randomInt } from '../../src/random.js';

export interface MovieLensFileOptions {
  /** Number of rating rows. */
  rows: number;
  /** Seed of the values. Default 1. */
  seed?: number;
  /** ',' (ml-latest, default), '\t' (ml-100k u.data), '::' (ml-1m ratings.dat). */
  delimiter?: string;
  /** Write the `userId,movieId,rating,timestamp` header line. Default: true for ',' only. */
  header?: boolean;
  /** End lines with CRLF. Default false. */
  crlf?: boolean;
  /** Start with a UTF-8 BOM. Default false. */
  bom?: boolean;
  /** End the last line without a newline. Default false. */
  noFinalNewline?: boolean;
  /** Ratings as halves written "3.5"/"4.0" (default) or integers 1–5 as in ml-100k/ml-1m. */
  integerRatings?: boolean;
  /** Gzip the file (write it whole; for small test files). Default false. */
  gzip?: boolean;
  users?: number;
  movies?: number;
}

export interface MovieLensRow {
  userId: number;
  movieId: number;
  rating: number;
  timestamp: number;
}

/** The rows a file written with these options holds (same seed, same values). */
export function* movieLensRows(options: Pick<MovieLensFileOptions, 'rows' | 'seed' | 'integerRatings' | 'users' | 'movies'>): Generator<MovieLensRow> {
  const rand = randomInt(options.seed ?? 1);
  const users = options.users ?? 162_541;
  const movies = options.movies ?? 209_171;
  for (let i = 0; i < options.rows; i++) {
    const userId = 1 + rand(users);
    const movieId = 1 + rand(movies);
    const rating = options.integerRatings ? 1 + rand(5) : (1 + rand(10)) / 2;
    const timestamp = 789_652_009 + rand(785_000_000);
    yield { userId, movieId, rating, timestamp };
  }
}

/**
 * Writes a MovieLens-format ratings file and returns its path.
 * @example
 * writeMovieLensFile(path.join(dir, 'ratings.csv'), { rows: 1000, seed: 7 });
 */
export function writeMovieLensFile(path: string, options: MovieLensFileOptions): string {
  const d = options.delimiter ?? ',';
  const eol = options.crlf ? '\r\n' : '\n';
  const header = options.header ?? d === ',';
  const parts: string[] = [];
  let text = (options.bom ? '\uFEFF' : '') + (header ? ['userId', 'movieId', 'rating', 'timestamp'].join(d) + eol : '');
  const fd = options.gzip ? undefined : openSync(path, 'w');
  const flush = (force: boolean): void => {
    if (text.length < (1 << 20) && !force) return;
    if (fd === undefined) parts.push(text);
    else writeSync(fd, text);
    text = '';
  };
  let n = 0;
  for (const r of movieLensRows(options)) {
    const rating = options.integerRatings ? String(r.rating) : r.rating.toFixed(1);
    text += r.userId + d + r.movieId + d + rating + d + r.timestamp;
    if (++n < options.rows || !options.noFinalNewline) text += eol;
    flush(false);
  }
  flush(true);
  if (fd !== undefined) closeSync(fd);
  else writeFileSync(path, gzipSync(Buffer.from(parts.join(''), 'utf8')));
  return path;
}
