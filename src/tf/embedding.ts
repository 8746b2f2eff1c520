import * as tf from './tf.js';
import { OptionError, describe } from '../errors.js';
import { checkOptionNames } from '../options.js';

/**
 * `tf.gather(table, ids)` with a gradient that also runs on the wasm backend. wasm has no
 * `UnsortedSegmentSum` kernel, so the built-in gradient of gather (and of
 * `tf.layers.embedding`) fails there; this one scatter-adds the incoming rows in JS.
 * The gradient is dense (a table-sized tensor), so a step costs O(table): right for small
 * tables inside a LayersModel; for large ones use {@link SparseEmbedding}.
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * const table = tf.randomNormal([10, 4]) as tf.Tensor2D;
 * const rows = embeddingLookup(table, tf.tensor1d([3, 1, 3], 'int32')); // [3, 4]
 */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  const lookup = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [t, i, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([i]);
    const value = tf.gather(t as tf.Tensor2D, i as tf.Tensor1D) as tf.Tensor2D;
    const [rows, dim] = t.shape as [number, number];
    const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor[] => {
      const idx = saved[0]!.dataSync() as Int32Array;
      const g = dy.dataSync() as Float32Array;
      const dense = new Float32Array(rows * dim);
      scatterAdd(dense, dim, idx, g);
      return [tf.tensor2d(dense, [rows, dim]), tf.zerosLike(saved[0]!)];
    };
    return { value, gradFunc };
  });
  return lookup(table, ids) as tf.Tensor2D;
}

/** table[ids[k]] += rows[k] for every k (rows is ids.length × dim, row-major). */
export function scatterAdd(table: Float32Array, dim: number, ids: ArrayLike<number>, rows: ArrayLike<number>): void {
  for (let k = 0; k < ids.length; k++) {
    const t = ids[k]! * dim;
    const r = k * dim;
    for (let j = 0; j < dim; j++) table[t + j]! += rows[r + j]!;
  }
}

/** Configuration of an {@link EmbeddingLookup} layer. */
export interface EmbeddingLookupArgs {
  /** Rows in the table (ids are 0 … inputDim-1). */
  inputDim: number;
  /** Width of a row. */
  outputDim: number;
  /** Uniform init in [-scale, scale]. Default 0.05. */
  scale?: number;
  /** L2 penalty on the whole table (Keras's `embeddings_regularizer: l2(x)`). Default 0. */
  l2?: number;
  /** What the ids count, for the out-of-range message (e.g. 'users'). Default 'ids'. */
  what?: string;
  name?: string;
}

const LOOKUP_OPTIONS = ['inputDim', 'outputDim', 'scale', 'l2', 'what', 'name'] as const;

/**
 * A Keras-style embedding layer for `tf.LayersModel`s that trains on every backend, wasm
 * included (see {@link embeddingLookup}). Input: int32 ids of shape [batch]; output
 * [batch, outputDim].
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * const user = tf.input({ shape: [], dtype: 'int32' });
 * const u = new EmbeddingLookup({ inputDim: 943, outputDim: 32 }).apply(user);
 */
export class EmbeddingLookup extends tf.layers.Layer {
  static readonly className = 'SluiceEmbeddingLookup';
  private table: tf.LayerVariable | undefined;
  private readonly inputDim: number;
  private readonly outputDim: number;
  private readonly scale: number;
  private readonly l2: number;
  private readonly what: string;

  constructor(args: EmbeddingLookupArgs) {
    // tfjs passes its own keys (trainable, dtype, …) when it deserialises a saved model.
    if (!('trainable' in args)) checkOptionNames('EmbeddingLookup', args, LOOKUP_OPTIONS);
    super(args.name === undefined ? {} : { name: args.name });
    this.inputDim = positiveInt('inputDim', args.inputDim);
    this.outputDim = positiveInt('outputDim', args.outputDim);
    this.scale = args.scale ?? 0.05;
    this.l2 = args.l2 ?? 0;
    if (!(this.l2 >= 0)) throw new OptionError(`EmbeddingLookup: l2 must be a number >= 0, got ${describe(args.l2)}`);
    this.what = args.what ?? 'ids';
  }

  override build(): void {
    const init = tf.initializers.randomUniform({ minval: -this.scale, maxval: this.scale });
    this.table = this.addWeight('embeddings', [this.inputDim, this.outputDim], 'float32', init, this.l2 > 0 ? tf.regularizers.l2({ l2: this.l2 }) : undefined);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0] ?? null, this.outputDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let ids = Array.isArray(inputs) ? inputs[0]! : inputs;
      if (ids.dtype !== 'int32') ids = tf.cast(ids, 'int32');
      this.checkRange(ids);
      return embeddingLookup(this.table!.read() as tf.Tensor2D, tf.reshape(ids, [-1]) as tf.Tensor1D);
    });
  }

  /**
   * Ids outside the table, caught here with a message that says which table and which id:
   * tf's own gather error ("GatherV2: the index value 6632 is not in [0, 1999]") names
   * neither. One read of the batch's ids (a few KB) per step.
   */
  private checkRange(ids: tf.Tensor): void {
    const values = ids.dataSync();
    for (let k = 0; k < values.length; k++) {
      const id = values[k]!;
      if (id < 0 || id >= this.inputDim) {
        throw new OptionError(
          `${this.name}: ${this.what} id ${id} is out of range [0, ${this.inputDim - 1}] (the table has ${this.what}: ${this.inputDim} rows). ` +
            'Size the tables from the data and map raw ids to rows 0…n-1 first (indexRatings / IdIndex in sluice/movielens)',
        );
      }
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), inputDim: this.inputDim, outputDim: this.outputDim, scale: this.scale, l2: this.l2, what: this.what };
  }
}
tf.serialization.registerClass(EmbeddingLookup);

/** A positive integer option, or an OptionError naming it. */
export function positiveInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new OptionError(`${name} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}
