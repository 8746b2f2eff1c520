import { open } from 'node:fs/promises';
import { OptionError, randomInt } from '../../src/index.js';
import { isTestRow } from '../movielens/split.js';

export interface GenerateOptions {
  /** Ratings to write. */
  rows: number;
  /** Seed of everything random. Default 0. */
  seed?: number;
  /** Users; default rows / 100 (MovieLens has ~100–150 ratings per user). */
  users?: number;
  /** Items; default rows / 300 (at least twice the ratings per user). */
  items?: number;
  /** Rank of the true latent factors. Default 8. */
  rank?: number;
  /** Standard deviation of the rating noise before rounding. Default 0.75. */
  noise?: number;
  /** Zipf exponent of item popularity (0: uniform). Default 0.9. */
  skew?: number;
  /** File layout: 'csv' (ratings.csv with header), 'tsv' (u.data), 'dat' (ratings.dat, `::`). */
  format?: 'csv' | 'tsv' | 'dat';
  /** Test fraction and seed for which the true model's test RMSE is reported. Default 0.1, 0. */
  split?: number;
  splitSeed?: number;
}

/** What the generator knows about the data it wrote. */
export interface GenerateReport {
  file: string;
  rows: number;
  users: number;
  items: number;
  seed: number;
  split: number;
  splitSeed: number;
  /** RMSE of the true model (its expected rating, clipped to 0.5–5) on all rows. */
  trueRmse: number;
  /** The same on the test rows of the deterministic split (what `train --split` holds out). */
  trueTestRmse: number;
  testRows: number;
  globalMean: number;
}

/**
 * Writes a MovieLens-format ratings file drawn from a known model: rating = round to half
 * stars of clip(mean + userBias + itemBias + userFactors·itemFactors + noise, 0.5, 5).
 * Users rate a skewed number of items (lognormal activity), items are chosen with Zipf
 * popularity, and rows come sorted by user like the real files (movie ids have gaps, as in
 * MovieLens). Returns the true model's RMSE on the same test rows that `sluice train`'s
 * `--split` holds out, so a trained model can be judged against the best possible.
 * @example
 * const report = await generateRatings('/tmp/ratings.csv', { rows: 100_000, seed: 1 });
 * report.trueTestRmse; // ≈ 0.78
 */
export async function generateRatings(file: string, options: GenerateOptions): Promise<GenerateReport> {
  const rows = options.rows;
  if (!Number.isInteger(rows) || rows < 1) throw new OptionError(`gen: rows must be a positive integer, got ${rows}`);
  const seed = options.seed ?? 0;
  const users = options.users ?? Math.max(10, Math.round(rows / 100));
  // Small files get enough items that no user rates more than half of them.
  const items = options.items ?? Math.max(10, Math.round(rows / 300), Math.ceil((2 * rows) / users));
  const rank = options.rank ?? 8;
  const noise = options.noise ?? 0.75;
  const skew = options.skew ?? 0.9;
  const format = options.format ?? 'csv';
  const split = options.split ?? 0.1;
  const splitSeed = options.splitSeed ?? 0;
  if (!Number.isInteger(users) || users < 1) throw new OptionError(`gen: users must be a positive integer, got ${users}`);
  if (!Number.isInteger(items) || items < 1) throw new OptionError(`gen: items must be a positive integer, got ${items}`);
  if (rows > users * items) throw new OptionError(`gen: ${rows} rows do not fit ${users} users × ${items} items`);

  const rand = randomInt(seed);
  const uniform = (): number => (rand(4294967296) + 0.5) / 4294967296;
  let spare: number | undefined;
  const gauss = (): number => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const t = 2 * Math.PI * uniform();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };

  // The true model.
  const mean = 3.5;
  const factorScale = Math.sqrt(0.35 / rank); // dot product std ≈ 0.6
  const userBias = Float64Array.from({ length: users }, () => 0.3 * gauss());
  const itemBias = Float64Array.from({ length: items }, () => 0.4 * gauss());
  const userF = Float64Array.from({ length: users * rank }, () => factorScale * gauss() * 1.3);
  const itemF = Float64Array.from({ length: items * rank }, () => factorScale * gauss() * 1.3);
  // Sparse movie ids, increasing: gaps of 1–3 as in MovieLens.
  const movieIds = new Int32Array(items);
  for (let i = 0, id = 0; i < items; i++) movieIds[i] = id += 1 + rand(3);

  // Item popularity (Zipf over a random order of items) as a cumulative table.
  const popOrder = Int32Array.from({ length: items }, (_, i) => i);
  for (let i = items - 1; i > 0; i--) {
    const j = rand(i + 1);
    [popOrder[i], popOrder[j]] = [popOrder[j]!, popOrder[i]!];
  }
  const cumulative = new Float64Array(items);
  let total = 0;
  for (let r = 0; r < items; r++) {
    total += 1 / Math.pow(r + 1, skew);
    cumulative[r] = total;
  }
  const drawItem = (): number => {
    const x = uniform() * total;
    let lo = 0;
    let hi = items - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return popOrder[lo]!;
  };

  // Ratings per user: lognormal activity, scaled to `rows` in total, at most `items` each.
  const activity = Float64Array.from({ length: users }, () => Math.exp(0.8 * gauss()));
  const counts = distribute(rows, activity, items);

  const handle = await open(file, 'w');
  let sq = 0;
  let sqTest = 0;
  let testRows = 0;
  let sum = 0;
  try {
    const sep = format === 'csv' ? ',' : format === 'tsv' ? '\t' : '::';
    let out = format === 'csv' ? 'userId,movieId,rating,timestamp\n' : '';
    let time = 1_000_000_000;
    const chosen = new Uint8Array(items);
    const list: number[] = [];
    for (let u = 0; u < users; u++) {
      const count = counts[u]!;
      list.length = 0;
      // Popularity-weighted draws without repeats; dense users fall back to a uniform pick.
      let tries = 0;
      while (list.length < count) {
        const i = tries++ < count * 20 ? drawItem() : rand(items);
        if (chosen[i] === 0) {
          chosen[i] = 1;
          list.push(i);
        }
      }
      list.sort((a, b) => a - b);
      for (const i of list) {
        chosen[i] = 0;
        let dot = 0;
        for (let k = 0; k < rank; k++) dot += userF[u * rank + k]! * itemF[i * rank + k]!;
        const expected = mean + userBias[u]! + itemBias[i]! + dot;
        const rating = Math.min(5, Math.max(0.5, Math.round((expected + noise * gauss()) * 2) / 2));
        const truth = Math.min(5, Math.max(0.5, expected));
        const err = (rating - truth) ** 2;
        sq += err;
        sum += rating;
        const userId = u + 1;
        const movieId = movieIds[i]!;
        if (isTestRow(userId, movieId, split, splitSeed)) {
          sqTest += err;
          testRows++;
        }
        time += 1 + rand(600);
        out += `${userId}${sep}${movieId}${sep}${rating}${sep}${time}\n`;
      }
      if (out.length > 1 << 20) {
        await handle.write(out);
        out = '';
      }
    }
    await handle.write(out);
  } finally {
    await handle.close();
  }
  return {
    file,
    rows,
    users,
    items,
    seed,
    split,
    splitSeed,
    trueRmse: Math.sqrt(sq / rows),
    trueTestRmse: testRows > 0 ? Math.sqrt(sqTest / testRows) : NaN,
    testRows,
    globalMean: sum / rows,
  };
}

/** Integer counts proportional to `weights`, each in [1, cap], summing to `total`. */
function distribute(total: number, weights: Float64Array, cap: number): Int32Array {
  const n = weights.length;
  const counts = new Int32Array(n);
  let wsum = 0;
  for (let i = 0; i < n; i++) wsum += weights[i]!;
  let assigned = 0;
  for (let i = 0; i < n; i++) {
    counts[i] = Math.min(cap, Math.max(1, Math.floor((weights[i]! / wsum) * total)));
    assigned += counts[i]!;
  }
  // Hand out (or take back) the remainder one at a time, round-robin.
  for (let i = 0; assigned !== total; i = (i + 1) % n) {
    if (assigned < total && counts[i]! < cap) {
      counts[i]!++;
      assigned++;
    } else if (assigned > total && counts[i]! > 1) {
      counts[i]!--;
      assigned--;
    }
  }
  return counts;
}
