// The Keras-blog `DataGenerator` ("A detailed example of how to use data generators with
// Keras"), ported to sluice's Sequence: an in-memory ratings table in, batches of
// `[[user, item], [rating]]` out, indices reshuffled at the end of every epoch.
import { mixSeed, permutation, randomInt, Sequence } from '../../src/index.js';

/** A DataFrame-like ratings table: one typed array per column, all the same length. */
export interface RatingsTable {
  readonly user: Int32Array;
  readonly item: Int32Array;
  readonly rating: Float32Array;
}

/** One batch: model inputs `[users, items]` and targets `ratings`, as typed arrays. */
export interface RatingsBatch {
  readonly xs: [Int32Array, Int32Array];
  readonly ys: Float32Array;
}

export interface RatingsGeneratorOptions {
  batchSize?: number;
  /** Reshuffle row order at the end of each epoch (Keras blog: `shuffle=True`). */
  shuffle?: boolean;
  seed?: number;
}

/**
 * @example
 * const gen = new RatingsGenerator(table, { batchSize: 256, shuffle: true });
 * const ds = fromSequence(gen, { workers: 2 }); // then toTfDataset / fitDataset
 */
export class RatingsGenerator extends Sequence<RatingsBatch> {
  readonly batchSize: number;
  private indexes: Int32Array;
  private epoch = 0;

  constructor(
    private readonly table: RatingsTable,
    private readonly options: RatingsGeneratorOptions = {},
  ) {
    super();
    this.batchSize = options.batchSize ?? 32;
    if (table.item.length !== table.user.length || table.rating.length !== table.user.length) {
      throw new RangeError('RatingsGenerator: user, item and rating columns must have the same length');
    }
    this.indexes = this.order();
  }

  /** Batches per epoch; like the blog's `__len__`, a last partial batch is dropped. */
  get length(): number {
    return Math.floor(this.table.user.length / this.batchSize);
  }

  /** Batch `index` (the blog's `__getitem__`). */
  getItem(index: number): RatingsBatch {
    const n = this.batchSize;
    const users = new Int32Array(n);
    const items = new Int32Array(n);
    const ys = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const row = this.indexes[index * n + k]!;
      users[k] = this.table.user[row]!;
      items[k] = this.table.item[row]!;
      ys[k] = this.table.rating[row]!;
    }
    return { xs: [users, items], ys };
  }

  /** The blog's `on_epoch_end`: a new row order for the next epoch. */
  override onEpochEnd(): void {
    this.epoch++;
    this.indexes = this.order();
  }

  private order(): Int32Array {
    const n = this.table.user.length;
    if (!this.options.shuffle) return Int32Array.from({ length: n }, (_, i) => i);
    return permutation(n, randomInt(mixSeed(this.options.seed ?? 0, this.epoch)));
  }
}
