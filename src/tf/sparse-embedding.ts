// SparseEmbedding: a table outside autodiff, trained by lazy Adam on the rows a batch touches.
import * as tf from './tf.js';
import { OptionError } from '../errors.js';
import { randomInt } from '../random.js';
import { positiveInt, scatterAdd } from './embedding.js';

/** A {@link SparseEmbedding}'s values and lazy-Adam state. */
export interface SparseEmbeddingState {
  table: Float32Array;
  m: Float32Array;
  v: Float32Array;
  step: number;
}

export interface SparseEmbeddingOptions {
  /** Initial values: uniform in [-initScale, initScale] (0 gives zeros). Default 0.05. */
  initScale?: number;
  /** Seed of the initial values. Default 0. */
  seed?: number;
  /** Adam learning rate. Default 0.001. */
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * An embedding table that lives in a Float32Array outside TensorFlow's autodiff graph and
 * trains with lazy (sparse) Adam: each step reads and updates only the rows its batch
 * touches, so a step costs O(batch × dim) whatever the table size. At MovieLens-25M scale
 * (162k users, 209k movie ids) a dense gradient would write and Adam-update 12M floats per
 * step; this touches ~65k. Why not tf variables: tf.gather's gradient needs
 * UnsortedSegmentSum, missing on wasm, and any tf optimizer updates the whole variable.
 *
 * A step: `lookup(ids)` gives the batch's rows as a tensor (a leaf: pass it to
 * `tf.valueAndGrads`), then `applyGradient(ids, dLoss/dRows)` sums the gradients of
 * repeated ids and moves each touched row by Adam (moments kept per row; bias correction
 * by the global step, as TF's LazyAdam).
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * const users = new SparseEmbedding(162_541, 32, { learningRate: 0.005 });
 * const ids = Int32Array.of(7, 42, 7);
 * const rows = users.lookup(ids);                         // tf.Tensor2D [batch, 32]
 * const { grads } = tf.valueAndGrads((u: tf.Tensor) => u.square().sum())([rows]);
 * users.applyGradient(ids, grads[0]!.dataSync());
 */
export class SparseEmbedding {
  readonly table: Float32Array;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  /** Per row: its slot in the current step's list of unique rows, or -1. */
  private readonly slot: Int32Array;
  private unique = new Int32Array(0);
  private summed = new Float32Array(0);
  private step = 0;
  learningRate: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;

  constructor(
    readonly rows: number,
    readonly dim: number,
    options: SparseEmbeddingOptions = {},
  ) {
    positiveInt('rows', rows);
    positiveInt('dim', dim);
    this.table = new Float32Array(rows * dim);
    this.m = new Float32Array(rows * dim);
    this.v = new Float32Array(rows * dim);
    this.slot = new Int32Array(rows).fill(-1);
    const scale = options.initScale ?? 0.05;
    if (scale !== 0) {
      const rand = randomInt(options.seed ?? 0);
      for (let i = 0; i < this.table.length; i++) this.table[i] = (rand(1 << 30) / (1 << 29) - 1) * scale;
    }
    this.learningRate = options.learningRate ?? 0.001;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-7;
  }

  /** Rows `ids` copied into `out` (ids.length × dim). Ids out of range read zeros. */
  gather(ids: ArrayLike<number>, out = new Float32Array(ids.length * this.dim)): Float32Array {
    const d = this.dim;
    const table = this.table;
    // A plain copy loop: subarray + set would allocate a view per row.
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      const o = k * d;
      if (id >= 0 && id < this.rows) {
        const t = id * d;
        for (let j = 0; j < d; j++) out[o + j] = table[t + j]!;
      } else for (let j = 0; j < d; j++) out[o + j] = 0;
    }
    return out;
  }

  /** Rows `ids` as a [ids.length, dim] tensor (a 1-D tensor when dim is 1). The caller disposes it. */
  lookup(ids: ArrayLike<number>): tf.Tensor {
    const values = this.gather(ids);
    return this.dim === 1 ? tf.tensor1d(values) : tf.tensor2d(values, [ids.length, this.dim]);
  }

  /**
   * One lazy-Adam step from the loss gradient with respect to the looked-up rows
   * (`grad` is ids.length × dim, as `lookup(ids)` was). Ids out of range are ignored.
   * `penalty` adds the gradient of `penalty / 2 × |row|²` per occurrence of a row in the
   * batch (an L2 term per example, computed here rather than as more graph ops).
   */
  applyGradient(ids: ArrayLike<number>, grad: ArrayLike<number>, penalty = 0): void {
    const d = this.dim;
    const n = this.sumByRow(ids, grad, penalty);
    this.step++;
    const lr = (this.learningRate * Math.sqrt(1 - this.beta2 ** this.step)) / (1 - this.beta1 ** this.step);
    const b1 = this.beta1;
    const b2 = this.beta2;
    const eps = this.epsilon;
    const { table, m, v, summed, unique } = this;
    for (let u = 0; u < n; u++) {
      const base = unique[u]! * d;
      const g0 = u * d;
      for (let j = 0; j < d; j++) {
        const g = summed[g0 + j]!;
        const p = base + j;
        const mj = (m[p] = b1 * m[p]! + (1 - b1) * g);
        const vj = (v[p] = b2 * v[p]! + (1 - b2) * g * g);
        table[p]! -= (lr * mj) / (Math.sqrt(vj) + eps);
      }
    }
  }

  /**
   * The table and the optimizer's state (Adam moments, step counter), for a checkpoint.
   * The arrays are the live ones: copy or write them out before the next step.
   */
  state(): SparseEmbeddingState {
    return { table: this.table, m: this.m, v: this.v, step: this.step };
  }

  /** Restores `state()` (same rows × dim): training then goes on exactly as it would have. */
  load(state: SparseEmbeddingState): void {
    for (const key of ['table', 'm', 'v'] as const) {
      if (state[key].length !== this.table.length) throw new OptionError(`SparseEmbedding: state.${key} has ${state[key].length} values, expected ${this.table.length}`);
      this[key].set(state[key]);
    }
    this.step = state.step;
  }

  /**
   * The dense gradient this sparse one stands for: grad rows scatter-added into a
   * rows × dim array. O(table); for tests and small tables.
   */
  denseGradient(ids: ArrayLike<number>, grad: ArrayLike<number>): Float32Array {
    const dense = new Float32Array(this.rows * this.dim);
    scatterAdd(dense, this.dim, ids, grad);
    return dense;
  }

  /**
   * Sums the gradient rows of repeated ids (plus the penalty term) into `summed`; returns
   * the number of unique rows. The first occurrence of a row writes, later ones add: no
   * per-row fill, which cost more than the arithmetic.
   */
  private sumByRow(ids: ArrayLike<number>, grad: ArrayLike<number>, penalty: number): number {
    const d = this.dim;
    const rows = this.rows;
    if (this.unique.length < ids.length) {
      this.unique = new Int32Array(ids.length);
      this.summed = new Float32Array(ids.length * d);
    }
    const { slot, unique, summed, table } = this;
    let n = 0;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      if (!(id >= 0 && id < rows)) continue;
      const g0 = k * d;
      const t0 = id * d;
      let s = slot[id]!;
      if (s < 0) {
        s = slot[id] = n++;
        unique[s] = id;
        const s0 = s * d;
        for (let j = 0; j < d; j++) summed[s0 + j] = grad[g0 + j]! + penalty * table[t0 + j]!;
      } else {
        const s0 = s * d;
        for (let j = 0; j < d; j++) summed[s0 + j]! += grad[g0 + j]! + penalty * table[t0 + j]!;
      }
    }
    for (let u = 0; u < n; u++) slot[unique[u]!] = -1;
    return n;
  }
}
