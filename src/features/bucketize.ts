// bucketize: a number → the index of its bucket between sorted boundaries, the boundaries
// given or fitted as quantiles in one streamed pass — Keras's Discretization layer.
import type { NumericArray } from '../chunk.js';
import type { Dataset } from '../dataset.js';
import { OptionError, describe } from '../errors.js';
import { checkOptionNames } from '../options.js';
import { randomInt } from '../random.js';
import { type ApplyOptions, applyColumn, eachColumn, finite, type FitOptions, integerIn, statsRecord, type TransformedDataset } from './column.js';

/** What `Bucketize` holds; plain JSON. */
export interface BucketizeStats {
  readonly kind: 'bucketize';
  readonly column: string;
  /** Strictly ascending; `boundaries.length + 1` buckets. */
  readonly boundaries: readonly number[];
}

export interface BucketizeFitOptions extends FitOptions {
  /** Buckets wanted (≥ 2); fewer when quantiles coincide (boundaries are kept distinct). */
  buckets: number;
  /** Values kept for the quantiles: a seeded reservoir sample of this many (default 100,000); exact below it. */
  sampleSize?: number;
  /** Seed of the reservoir sample (default 0): the same data and seed give the same boundaries. */
  seed?: number;
}

/**
 * Replaces a numeric column by bucket ids (Int32Array): bucket `i` holds the values `x` with
 * `boundaries[i − 1] <= x < boundaries[i]`, so `x < boundaries[0]` is bucket 0 and
 * `x >= boundaries[last]` is bucket `boundaries.length`; NaN is bucket 0. Boundaries are
 * given (`Bucketize.from`) or fitted as the `k/buckets` quantiles (`fit`: one pass, exact up
 * to `sampleSize` values, then over a seeded reservoir sample).
 * @example
 * const users = csv('users.csv', { columns: { userId: 'int32', age: 'int32' } });
 * const ages = Bucketize.from('age', [18, 25, 35, 45, 50, 56]); // 7 buckets, as in ml-1m
 * const byAge = ages.apply(users); // age: Int32Array of 0…6
 * const fitted = await Bucketize.fit(users, 'age', { buckets: 4 }); // quartiles
 */
export class Bucketize<N extends string = string> {
  private readonly sorted: Float64Array;
  private constructor(readonly stats: BucketizeStats) {
    this.sorted = Float64Array.from(stats.boundaries);
  }

  get column(): N {
    return this.stats.column as N;
  }

  /** The number of buckets (boundaries + 1): the width an embedding or one-hot of it needs. */
  get buckets(): number {
    return this.sorted.length + 1;
  }

  /** Given boundaries (strictly ascending, finite). */
  static from<const N extends string>(column: N, boundaries: readonly number[]): Bucketize<N> {
    return new Bucketize<N>({ kind: 'bucketize', column, boundaries: checkBoundaries('bucketize', boundaries) });
  }

  /** Quantile boundaries of `column` in one pass over one epoch of `ds`. */
  static async fit<T, C, const N extends keyof C & string>(ds: Dataset<T, C>, column: N, options: BucketizeFitOptions): Promise<Bucketize<N>> {
    checkOptionNames('bucketize.fit', options, ['buckets', 'sampleSize', 'seed', 'signal']);
    const where = 'bucketize.fit';
    const buckets = integerIn(where, 'buckets', options?.buckets, 2, 1 << 20);
    const cap = integerIn(where, 'sampleSize', options.sampleSize ?? 100_000, buckets, 1 << 27);
    const rand = randomInt(integerIn(where, 'seed', options.seed ?? 0, 0, 2 ** 32 - 1));
    const sample = new Float64Array(cap);
    let seen = 0;
    const { signal } = options;
    await eachColumn(ds as Dataset<unknown, unknown>, column, 'bucketize', (values, size) => {
      for (let i = 0; i < size; i++) {
        const v = values[i]!;
        if (v !== v) continue;
        if (seen < cap) sample[seen] = v;
        else {
          const j = rand(seen + 1);
          if (j < cap) sample[j] = v;
        }
        seen++;
      }
    }, signal === undefined ? {} : { signal });
    return new Bucketize<N>({ kind: 'bucketize', column, boundaries: quantiles(sample.subarray(0, Math.min(seen, cap)), buckets) });
  }

  static fromJSON<N extends string = string>(json: unknown): Bucketize<N> {
    const r = statsRecord('bucketize', json);
    return new Bucketize<N>({ kind: 'bucketize', column: r.column as string, boundaries: checkBoundaries('bucketize.fromJSON', r.boundaries) });
  }

  toJSON(): BucketizeStats {
    return this.stats;
  }

  /** The bucket of one value. */
  bucketOf(x: number): number {
    const b = this.sorted;
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (b[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The dataset with the column replaced by bucket ids (Int32Array), or written as `options.as`. */
  apply<T, C extends { readonly [K in N]: NumericArray }, const O extends string = N>(ds: Dataset<T, C>, options?: ApplyOptions<O>): TransformedDataset<C, O, Int32Array> {
    return applyColumn(ds, 'bucketize', this.column, options, (values, size) => {
      const out = new Int32Array(size);
      for (let i = 0; i < size; i++) out[i] = this.bucketOf(values[i]!);
      return out;
    });
  }
}

/** The distinct `k/buckets` quantiles (k = 1 … buckets − 1) of `values` (nearest rank). */
function quantiles(values: Float64Array, buckets: number): number[] {
  const sorted = Float64Array.from(values).sort();
  const out: number[] = [];
  if (sorted.length === 0) return out;
  for (let k = 1; k < buckets; k++) {
    const q = sorted[Math.min(sorted.length - 1, Math.floor((k * sorted.length) / buckets))]!;
    if (out.length === 0 || q > out[out.length - 1]!) out.push(q);
  }
  return out;
}

function checkBoundaries(where: string, boundaries: unknown): number[] {
  if (!Array.isArray(boundaries)) throw new OptionError(`${where}: boundaries must be an array of numbers, got ${describe(boundaries)}`);
  const out = boundaries.map((b, i) => finite(where, `boundaries[${i}]`, b));
  for (let i = 1; i < out.length; i++) if (!(out[i]! > out[i - 1]!)) throw new OptionError(`${where}: boundaries must be strictly ascending; boundaries[${i}] = ${out[i]} follows ${out[i - 1]}`);
  return out;
}
