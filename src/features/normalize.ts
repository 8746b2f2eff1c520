// normalize: (x − mean) / std, with mean and std learnt in one streamed pass — Keras's
// Normalization layer and its adapt(), column-wise.
import type { NumericArray } from '../chunk.js';
import type { Dataset } from '../dataset.js';
import { type ApplyOptions, applyColumn, eachColumn, finite, type FitOptions, integerIn, statsRecord, type TransformedDataset } from './column.js';

/** What `Normalize.fit` learns; plain JSON. `std` is the population standard deviation. */
export interface NormalizeStats {
  readonly kind: 'normalize';
  readonly column: string;
  /** Values seen (NaN values are skipped). */
  readonly count: number;
  readonly mean: number;
  readonly std: number;
}

/**
 * Scales a numeric column to zero mean and unit variance: `(x − mean) / std` as a
 * Float32Array (a column with `std` 0 is only centred). `fit` reads one epoch once (mean and
 * variance merged chunk by chunk, Chan et al., in float64), skipping NaN; the stats save as
 * JSON (`JSON.stringify(norm)`) and load with `Normalize.fromJSON`.
 * @example
 * const ratings = csv('ratings.csv', { columns: { userId: 'int32', rating: 'float32' } });
 * const norm = await Normalize.fit(ratings, 'rating');
 * const scaled = norm.apply(ratings); // rating: Float32Array, mean 0, std 1
 * const again = Normalize.fromJSON<'rating'>(JSON.stringify(norm));
 */
export class Normalize<N extends string = string> {
  private constructor(readonly stats: NormalizeStats) {}

  /** The column it reads. */
  get column(): N {
    return this.stats.column as N;
  }

  /** Learns mean and std of `column` in one pass over one epoch of `ds`. */
  static async fit<T, C, const N extends keyof C & string>(ds: Dataset<T, C>, column: N, options?: FitOptions): Promise<Normalize<N>> {
    let count = 0;
    let mean = 0;
    let m2 = 0;
    await eachColumn(ds as Dataset<unknown, unknown>, column, 'normalize', (values, size) => {
      const [n, m, q] = moments(values, size);
      if (n === 0) return;
      const total = count + n;
      const delta = m - mean;
      mean += (delta * n) / total;
      m2 += q + (delta * delta * count * n) / total;
      count = total;
    }, options);
    return new Normalize<N>({ kind: 'normalize', column, count, mean, std: count > 0 ? Math.sqrt(m2 / count) : 0 });
  }

  /** Stats saved by `toJSON` (the object or its JSON text). */
  static fromJSON<N extends string = string>(json: unknown): Normalize<N> {
    const r = statsRecord('normalize', json);
    const where = 'normalize.fromJSON';
    const std = finite(where, 'std', r.std);
    if (std < 0) throw new RangeError(`${where}: std must be >= 0, got ${std}`);
    return new Normalize<N>({ kind: 'normalize', column: r.column as string, count: integerIn(where, 'count', r.count, 0), mean: finite(where, 'mean', r.mean), std });
  }

  toJSON(): NormalizeStats {
    return this.stats;
  }

  /** The dataset with the column normalised (Float32Array), in place or as `options.as`. */
  apply<T, C extends { readonly [K in N]: NumericArray }, const O extends string = N>(ds: Dataset<T, C>, options?: ApplyOptions<O>): TransformedDataset<C, O, Float32Array> {
    const { mean, std } = this.stats;
    const scale = std > 0 ? 1 / std : 1;
    return applyColumn(ds, 'normalize', this.column, options, (values, size) => {
      const out = new Float32Array(size);
      for (let i = 0; i < size; i++) out[i] = (values[i]! - mean) * scale;
      return out;
    });
  }
}

/** Count, mean and sum of squared deviations of the non-NaN values. */
function moments(values: NumericArray, size: number): [number, number, number] {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const v = values[i]!;
    if (v === v) {
      sum += v;
      n++;
    }
  }
  if (n === 0) return [0, 0, 0];
  const mean = sum / n;
  let q = 0;
  for (let i = 0; i < size; i++) {
    const d = values[i]! - mean;
    if (d === d) q += d * d;
  }
  return [n, mean, q];
}
