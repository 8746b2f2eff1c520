// Synthetic MovieLens side tables for a ratings file: the users and movies it mentions, in
// ml-100k's formats (u.user, u.item: '|'-separated, no header, 19 genre flags) or
// ml-latest's (movies.csv: quoted titles, `genres` as "Action|Adventure"). Seeded.
import { writeFile } from 'node:fs/promises';
import { randomInt } from '../../src/index.js';
import { detectFormat } from '../movielens/format.js';
import { readRatings } from '../movielens/read.js';

/** The 19 genres of ml-100k's u.item, in its column order (u.genre). */
export const ML100K_GENRES = ['unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy', 'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western'] as const;
/** The occupations of ml-100k's u.occupation. */
export const ML100K_OCCUPATIONS = ['administrator', 'artist', 'doctor', 'educator', 'engineer', 'entertainment', 'executive', 'healthcare', 'homemaker', 'lawyer', 'librarian', 'marketing', 'none', 'other', 'programmer', 'retired', 'salesman', 'scientist', 'student', 'technician', 'writer'] as const;

export interface SideTablesOptions {
  /** 'ml-100k': writes `users` (u.user) and `items` (u.item); 'ml-latest': writes `items` (movies.csv) only. */
  format: 'ml-100k' | 'ml-latest';
  users?: string;
  items: string;
  seed?: number;
}

/**
 * Writes side tables for every user and movie of `ratingsFile` (read once): ages 7–73,
 * occupations and 1–3 genres per movie drawn with skew (a few common, many rare).
 * @example
 * await generateSideTables('ml/u.data', { format: 'ml-100k', users: 'ml/u.user', items: 'ml/u.item', seed: 1 });
 */
export async function generateSideTables(ratingsFile: string, options: SideTablesOptions): Promise<{ users: number; items: number }> {
  const rand = randomInt(options.seed ?? 0);
  const userIds = new Set<number>();
  const movieIds = new Set<number>();
  for await (const b of readRatings(ratingsFile, await detectFormat(ratingsFile)).batch(4096)) {
    for (let i = 0; i < b.size; i++) {
      userIds.add(b.columns.userId[i]!);
      movieIds.add(b.columns.movieId[i]!);
    }
  }
  const skewed = (n: number) => Math.min(rand(n), rand(n)); // low indexes more often
  const genresOf = () => {
    const g = new Set<number>();
    const k = 1 + rand(3);
    while (g.size < k) g.add(1 + skewed(ML100K_GENRES.length - 1));
    return [...g].sort((a, b) => a - b);
  };
  const movies = [...movieIds].sort((a, b) => a - b);
  if (options.format === 'ml-100k') {
    if (options.users === undefined) throw new RangeError("generateSideTables: format 'ml-100k' needs a users file (u.user)");
    let u = '';
    for (const id of [...userIds].sort((a, b) => a - b)) u += `${id}|${7 + rand(67)}|${rand(2) === 0 ? 'M' : 'F'}|${ML100K_OCCUPATIONS[skewed(ML100K_OCCUPATIONS.length)]}|${10000 + rand(89999)}\n`;
    await writeFile(options.users, u);
    let t = '';
    for (const id of movies) {
      const flags = new Array<number>(ML100K_GENRES.length).fill(0);
      for (const g of genresOf()) flags[g] = 1;
      t += `${id}|Movie ${id} (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Movie%20${id}|${flags.join('|')}\n`;
    }
    await writeFile(options.items, t);
  } else {
    let t = 'movieId,title,genres\n';
    for (const id of movies) {
      const genres = genresOf().map((g) => ML100K_GENRES[g]!.replace("Children's", 'Children'));
      t += `${id},${id % 3 === 0 ? `"Movie ${id}, The (1995)"` : `Movie ${id} (1995)`},${genres.join('|')}\n`;
    }
    await writeFile(options.items, t);
  }
  return { users: userIds.size, items: movies.length };
}
