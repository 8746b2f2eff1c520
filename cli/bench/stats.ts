// Summary statistics for benchmark samples: the median and the range, nothing fancier,
// because three to five runs on a shared machine support no more.

/** Median, minimum and maximum of a set of samples. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/**
 * The median (mean of the middle two for an even count), min and max of `values`.
 * @example
 * spread([3, 1, 2]); // { median: 2, min: 1, max: 3 }
 */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { median: NaN, min: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}
