import * as tf from './tf.js';
import { OptionError, describe } from '../errors.js';
import { checkOptionNames } from '../options.js';
import { EmbeddingLookup } from './embedding.js';
import { SparseEmbedding, type SparseEmbeddingState } from './sparse-embedding.js';

export interface BiasedMfOptions {
  users: number;
  items: number;
  /** Latent dimension. Default 32. */
  dim?: number;
  /** Adam learning rate. Default 0.005. */
  learningRate?: number;
  /** L2 penalty on the factors and biases of each example (per row seen). Default 0.02. */
  l2?: number;
  /** Initial prediction offset (the training mean). Default 0. */
  globalMean?: number;
  /** Uniform init scale of the factors. Default 0.05. */
  initScale?: number;
  seed?: number;
}

/** The four tables of {@link BiasedMF}, in checkpoint order. */
export const BIASED_MF_TABLES = ['userFactors', 'itemFactors', 'userBias', 'itemBias'] as const;

/** A {@link BiasedMF}'s trained state (see `state()`). */
export interface BiasedMfState {
  globalMean: number;
  learningRate: number;
  tables: Record<(typeof BIASED_MF_TABLES)[number], SparseEmbeddingState>;
}

/**
 * Biased matrix factorisation: rating ≈ mean + b_user + b_item + p_user · q_item, trained
 * by Adam on mean squared error plus an L2 penalty on the rows in the batch.
 * The forward pass and its gradients run in TensorFlow.js (any backend, wasm included);
 * the tables are {@link SparseEmbedding}s, so a step costs O(batch × dim) even at
 * MovieLens-25M size.
 * @example
 * const model = new BiasedMF({ users: 943, items: 1682, globalMean: 3.53 });
 * const loss = model.trainStep(Int32Array.of(0, 5), Int32Array.of(3, 3), Float32Array.of(4, 2.5)); // mean squared error of the batch
 */
export class BiasedMF {
  readonly dim: number;
  readonly userFactors: SparseEmbedding;
  readonly itemFactors: SparseEmbedding;
  readonly userBias: SparseEmbedding;
  readonly itemBias: SparseEmbedding;
  globalMean: number;
  readonly l2: number;
  private target: tf.Tensor1D | undefined;
  private readonly grad: (args: tf.Tensor[]) => { value: tf.Scalar; grads: tf.Tensor[] };

  constructor(options: BiasedMfOptions) {
    checkOptionNames('BiasedMF', options, ['users', 'items', 'dim', 'learningRate', 'l2', 'globalMean', 'initScale', 'seed']);
    for (const name of ['users', 'items'] as const) {
      const v = options[name];
      if (!Number.isInteger(v) || v < 1) throw new OptionError(`BiasedMF: ${name} must be a positive integer, got ${describe(v)}`);
    }
    this.dim = options.dim ?? 32;
    const learningRate = options.learningRate ?? 0.005;
    const seed = options.seed ?? 0;
    const scale = options.initScale ?? 0.05;
    this.userFactors = new SparseEmbedding(options.users, this.dim, { learningRate, seed: seed * 4 + 1, initScale: scale });
    this.itemFactors = new SparseEmbedding(options.items, this.dim, { learningRate, seed: seed * 4 + 2, initScale: scale });
    this.userBias = new SparseEmbedding(options.users, 1, { learningRate, initScale: 0 });
    this.itemBias = new SparseEmbedding(options.items, 1, { learningRate, initScale: 0 });
    this.globalMean = options.globalMean ?? 0;
    this.l2 = options.l2 ?? 0.02;
    // Mean squared error of a batch as a function of its looked-up rows (leaves of the
    // graph): the gradients tf returns are exactly what the sparse tables need. The target
    // is captured, not an argument, so tf computes no gradient for it; the L2 term's
    // gradient (2·l2/B·row) is added by the tables, which saves a dozen small ops a step.
    this.grad = tf.valueAndGrads((...args: tf.Tensor[]) => {
      const [p, q, bu, bi] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
      const pred = tf.add(tf.add(tf.add(tf.sum(tf.mul(p, q), 1), bu), bi), this.globalMean);
      return tf.mean(tf.squaredDifference(pred, this.target!)) as tf.Scalar;
    }) as unknown as (args: tf.Tensor[]) => { value: tf.Scalar; grads: tf.Tensor[] };
  }

  get learningRate(): number {
    return this.userFactors.learningRate;
  }

  set learningRate(lr: number) {
    for (const t of [this.userFactors, this.itemFactors, this.userBias, this.itemBias]) t.learningRate = lr;
  }

  /**
   * Everything training changes (tables, Adam moments and step counters, global mean,
   * learning rate), for a checkpoint: `load(state())` into a model built with the same
   * options makes the next steps identical to the original's. Arrays are the live ones.
   * @example
   * const model = new BiasedMF({ users: 943, items: 1682, globalMean: 3.53 });
   * const saved = model.state(); // write saved.tables.userFactors.table … to disk
   * new BiasedMF({ users: 943, items: 1682, globalMean: 3.53 }).load(saved);
   */
  state(): BiasedMfState {
    return {
      globalMean: this.globalMean,
      learningRate: this.learningRate,
      tables: { userFactors: this.userFactors.state(), itemFactors: this.itemFactors.state(), userBias: this.userBias.state(), itemBias: this.itemBias.state() },
    };
  }

  /** Restores `state()` of a model with the same users, items and dim. */
  load(state: BiasedMfState): void {
    for (const name of BIASED_MF_TABLES) this[name].load(state.tables[name]);
    this.globalMean = state.globalMean;
    this.learningRate = state.learningRate;
  }

  /**
   * One Adam step on a batch of (user row, item row, rating); returns the batch's mean
   * squared error (before the step, without the penalty). Rows must be in range.
   */
  trainStep(users: Int32Array, items: Int32Array, ratings: Float32Array): number {
    const inputs = [this.userFactors.lookup(users), this.itemFactors.lookup(items), this.userBias.lookup(users), this.itemBias.lookup(items)];
    const y = (this.target = tf.tensor1d(ratings, 'float32'));
    const penalty = (2 * this.l2) / users.length;
    let result: { value: tf.Scalar; grads: tf.Tensor[] } | undefined;
    try {
      result = this.grad(inputs);
      const { value, grads } = result;
      const loss = value.dataSync()[0]!;
      this.userFactors.applyGradient(users, grads[0]!.dataSync(), penalty);
      this.itemFactors.applyGradient(items, grads[1]!.dataSync(), penalty);
      this.userBias.applyGradient(users, grads[2]!.dataSync(), penalty);
      this.itemBias.applyGradient(items, grads[3]!.dataSync(), penalty);
      return loss;
    } finally {
      this.target = undefined;
      tf.dispose([...inputs, y]);
      if (result !== undefined) tf.dispose([result.value, ...result.grads]);
    }
  }

  /**
   * Predictions for (user row, item row) pairs, in plain JS (no tensors: scoring is a dot
   * product per row). A row of -1 (unknown user or item) contributes nothing.
   */
  predict(users: Int32Array, items: Int32Array, out = new Float32Array(users.length)): Float32Array {
    const d = this.dim;
    const P = this.userFactors.table;
    const Q = this.itemFactors.table;
    const bu = this.userBias.table;
    const bi = this.itemBias.table;
    for (let k = 0; k < users.length; k++) {
      const u = users[k]!;
      const i = items[k]!;
      let s = this.globalMean;
      if (u >= 0) s += bu[u]!;
      if (i >= 0) s += bi[i]!;
      if (u >= 0 && i >= 0) {
        const pu = u * d;
        const qi = i * d;
        for (let j = 0; j < d; j++) s += P[pu + j]! * Q[qi + j]!;
      }
      out[k] = s;
    }
    return out;
  }
}

export interface RecommenderModelOptions {
  /** Rows of the user tables: user ids must be 0 … users-1 (map raw ids with an IdIndex). */
  users: number;
  /** Rows of the item tables: item ids must be 0 … items-1. */
  items: number;
  /** Latent dimension. Default 32. */
  dim?: number;
  /** Initial prediction offset: the training mean. Default 0. */
  globalMean?: number;
  /** Adam learning rate. Default 0.01. */
  learningRate?: number;
  /** L2 penalty on the factor tables (Keras's `embeddings_regularizer: l2(x)`). Default 0. */
  l2?: number;
}

const MODEL_OPTIONS = ['users', 'items', 'dim', 'globalMean', 'learningRate', 'l2'] as const;

/**
 * The same biased MF as a Keras-style `tf.LayersModel` for `fit`/`fitDataset`: inputs
 * `[users, items]` (int32 rows, shape [batch]), output the predicted rating (shape [batch]).
 * Its embeddings are {@link EmbeddingLookup}s, so it trains on wasm; their gradients are
 * dense (O(table) per step), fine for MovieLens-100k-size tables. Size the tables from the
 * data: an id outside them is an OptionError naming `users` or `items` and the id.
 * @example
 * import { indexRatings, readRatings } from 'sluice/movielens';
 * const index = await indexRatings(readRatings('u.data', { delimiter: '\t', header: false }));
 * const model = recommenderModel({ users: index.users.size, items: index.items.size, globalMean: index.mean, l2: 1e-5 });
 */
export function recommenderModel(options: RecommenderModelOptions): tf.LayersModel {
  checkOptionNames('recommenderModel', options, MODEL_OPTIONS);
  const dim = options.dim ?? 32;
  const l2 = options.l2 ?? 0;
  const user = tf.input({ shape: [], dtype: 'int32', name: 'user' });
  const item = tf.input({ shape: [], dtype: 'int32', name: 'item' });
  const table = (inputDim: number, outputDim: number, what: string, name: string, scale?: number) =>
    new EmbeddingLookup({ inputDim, outputDim, what, name, l2, ...(scale === undefined ? {} : { scale }) });
  const p = table(options.users, dim, 'users', 'user_factors').apply(user) as tf.SymbolicTensor;
  const q = table(options.items, dim, 'items', 'item_factors').apply(item) as tf.SymbolicTensor;
  const bu = table(options.users, 1, 'users', 'user_bias', 0).apply(user) as tf.SymbolicTensor;
  const bi = table(options.items, 1, 'items', 'item_bias', 0).apply(item) as tf.SymbolicTensor;
  const out = new BiasedDot({ globalMean: options.globalMean ?? 0 }).apply([p, q, bu, bi]) as tf.SymbolicTensor;
  const model = tf.model({ inputs: [user, item], outputs: out, name: 'biased_mf' });
  model.compile({ optimizer: tf.train.adam(options.learningRate ?? 0.01), loss: 'meanSquaredError' });
  return model;
}

/**
 * Sets the learning rate of a compiled model's optimizer (Adam, SGD, …: tfjs reads it at
 * every step), e.g. from a `fitDataset` callback, to decay it per epoch as `sluice train`
 * does (×0.8 an epoch by default).
 * @example
 * const data = toTfDataset(csv('ratings.csv', { columns }).batch(1024), { xs: ['userId', 'movieId'], ys: 'rating' });
 * await model.fitDataset(data, { epochs: 10, callbacks: { onEpochBegin: async (e) => setLearningRate(model, 0.005 * 0.8 ** e) } });
 */
export function setLearningRate(model: tf.LayersModel, learningRate: number): void {
  if (!(learningRate > 0)) throw new OptionError(`setLearningRate: the learning rate must be a number > 0, got ${describe(learningRate)}`);
  const optimizer = model.optimizer as unknown as { learningRate?: unknown } | undefined;
  if (optimizer === undefined || typeof optimizer.learningRate !== 'number') throw new OptionError('setLearningRate: the model is not compiled with an optimizer that has a learning rate');
  optimizer.learningRate = learningRate;
}

/** [p, q, bu, bi] → sum(p·q) + bu + bi + mean, shape [batch]. */
class BiasedDot extends tf.layers.Layer {
  static readonly className = 'SluiceBiasedDot';
  private readonly globalMean: number;
  constructor(args: { globalMean: number }) {
    super({});
    this.globalMean = args.globalMean;
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const first = (inputShape as tf.Shape[])[0]!;
    return [first[0] ?? null];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [p, q, bu, bi] = inputs as tf.Tensor[];
      return tf.add(tf.add(tf.add(tf.sum(tf.mul(p!, q!), 1), tf.reshape(bu!, [-1])), tf.reshape(bi!, [-1])), this.globalMean);
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), globalMean: this.globalMean };
  }
}
tf.serialization.registerClass(BiasedDot);
