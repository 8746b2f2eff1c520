// Regression error measures, for evaluating a model the way `sluice train` does.

/**
 * Root mean squared error of `predicted` against `actual` (same length). NaN when empty.
 * @example
 * rmse([3.5, 4], [4, 4]); // 0.3535…
 */
export function rmse(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  return new ErrorStats().add(predicted, actual).rmse;
}

/**
 * Mean absolute error of `predicted` against `actual` (same length). NaN when empty.
 * @example
 * mae([3.5, 4], [4, 4]); // 0.25
 */
export function mae(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  return new ErrorStats().add(predicted, actual).mae;
}

/**
 * RMSE and MAE accumulated batch by batch, for a test set streamed in chunks; `clip`
 * bounds each prediction first (e.g. the rating scale, as `sluice train` does).
 * @example
 * const stats = new ErrorStats({ min: 0.5, max: 5 });
 * stats.add([3.2, 5.4], [3, 5]); // one batch: predictions, true ratings
 * stats.add([1.0], [1.5]);
 * console.log(stats.rmse, stats.mae, stats.rows); // 3 rows; 5.4 counted as 5
 */
export class ErrorStats {
  private sq = 0;
  private abs = 0;
  rows = 0;
  constructor(private readonly clip: { min: number; max: number } = { min: -Infinity, max: Infinity }) {}

  /** Adds a batch of predictions and their true values. */
  add(predicted: ArrayLike<number>, actual: ArrayLike<number>): this {
    if (predicted.length !== actual.length) throw new RangeError(`ErrorStats: ${predicted.length} predictions for ${actual.length} values`);
    for (let k = 0; k < predicted.length; k++) {
      const e = Math.min(this.clip.max, Math.max(this.clip.min, predicted[k]!)) - actual[k]!;
      this.sq += e * e;
      this.abs += Math.abs(e);
    }
    this.rows += predicted.length;
    return this;
  }

  get rmse(): number {
    return this.rows > 0 ? Math.sqrt(this.sq / this.rows) : NaN;
  }

  get mae(): number {
    return this.rows > 0 ? this.abs / this.rows : NaN;
  }
}
