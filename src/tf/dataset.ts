import * as tf from './tf.js';
import type { NumericArray } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { OptionError, SluiceError, describe } from '../errors.js';
import { checkOptionNames } from '../options.js';

/**
 * Model inputs: column names in the model's input order, or input name → column name.
 * `K` is the batch's column names, so a misspelt name is a compile error.
 */
export type XsSpec<K extends string = string> = K | readonly K[] | Readonly<Record<string, K>>;
/** Model targets: one column name, a list, or output name → column name. */
export type YsSpec<K extends string = string> = K | readonly K[] | Readonly<Record<string, K>>;

export interface ToTfDatasetOptions<K extends string = string> {
  /** Input columns: `['userId', 'movieId']` or `{ user: 'userId', item: 'movieId' }`. */
  xs: XsSpec<K>;
  /** Target column(s), e.g. `'rating'`. */
  ys: YsSpec<K>;
  /**
   * Extra trailing shape per example, e.g. `[1]` for a model whose inputs are `shape: [1]`.
   * Default `[]`: each column becomes a 1-D tensor of length batch size.
   */
  exampleShape?: readonly number[];
  /**
   * Tensor dtype per column. Default: int32 for Int32Array columns (ids, as a source with a
   * schema such as csv gives them), float32 for the rest. Records built by `map` carry no
   * schema, so their batches are Float64Array: name their id columns here.
   */
  dtype?: Readonly<Partial<Record<K, 'int32' | 'float32'>>>;
  /** Aborting it ends the epoch tf is reading: its next read rejects with an AbortError, files and workers close. */
  signal?: AbortSignal;
  /**
   * Release each batch (ColumnBatch.release) once its tensors are made, where the backend
   * copies the arrays then (wasm): the pipeline reuses the memory for later batches instead
   * of touching fresh memory for each. Default false. Only for batches nothing else keeps
   * (not batches collected beforehand and fed again: their arrays would read as empty in the
   * next epoch; an in-memory `cache()` of batches keeps its own from release).
   */
  reuseBatches?: boolean;
}

/** What `tf.data.generator` yields for `fitDataset`. */
export type TfElement = {
  xs: tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>;
  ys: tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>;
};

/** A batch as `batch(n)` makes it, or anything with `size` and named typed-array columns. */
export interface ColumnsLike<K extends string = string> {
  readonly size: number;
  readonly columns: { readonly [P in K]: NumericArray };
  /** Wide columns (features/multi-valued.ts): column x holds `size × widths[x]` values, row-major, and becomes a [size, width] tensor. */
  readonly widths?: { readonly [P in K]?: number };
  /** See ColumnBatch.release. */
  readonly release?: () => void;
}

type Column = Int32Array | Float32Array | Float64Array;
/** A batch already split into inputs and targets (Keras `Sequence` style). */
export interface ArrayBatch {
  readonly xs: Column | readonly Column[] | Readonly<Record<string, Column>>;
  readonly ys: Column | readonly Column[] | Readonly<Record<string, Column>>;
}

/**
 * A tf.data.Dataset (its `size`: batches per epoch, when known) that closes the sluice epoch
 * tf left open: `close()`, to call when training is over.
 */
export type SizedTfDataset = tf.data.Dataset<TfElement> & { close(): Promise<void> };

/**
 * A `tf.data.Dataset` of `{ xs, ys }` for `model.fitDataset`, over a sluice dataset of
 * columnar batches (what `.batch(n)` yields over numeric records). Int32 columns become
 * int32 tensors (ids for embeddings), others float32, made straight from the batch's
 * typed arrays. Every epoch of `fitDataset` opens a fresh epoch of `ds` (files reopen,
 * shuffles reseed). When `ds.size` is known it becomes the tf dataset's `size`, so
 * fitDataset knows its steps per epoch. For fitDataset's `batchesPerEpoch` (tf epochs of B
 * batches that continue the stream), pass `ds.repeat()`: tf then reads one endless
 * iterator, a fresh sluice epoch after each pass. Tensors are handed over to
 * fitDataset, which disposes them after each step; none are kept here. tf never closes an
 * iterator it stops reading (early stopping, `evaluateDataset({ batches })`): the sluice
 * epoch behind it is closed when tf asks for the next one, and `close()` closes the last.
 * @example
 * import { toTfDataset } from 'sluice/tf';
 * const train = toTfDataset(csv('ratings.csv', { columns }).shuffle(100_000).batch(1024),
 *   { xs: ['userId', 'movieId'], ys: 'rating' });
 * await model.fitDataset(train, { epochs: 3 });
 */
export function toTfDataset<K extends string>(ds: Dataset<ColumnsLike<K>, unknown>, options: ToTfDatasetOptions<NoInfer<K>>): SizedTfDataset;
/**
 * The same over batches that are already `{ xs, ys }` of typed arrays (a list or a map of
 * them for several inputs), as a Keras-style `Sequence` returns them.
 * @example
 * const train = toTfDataset(fromSequence(new RatingsGenerator(table, 1024)));
 */
export function toTfDataset(ds: Dataset<ArrayBatch, unknown>, options?: Pick<ToTfDatasetOptions, 'exampleShape' | 'signal'>): SizedTfDataset;
export function toTfDataset(ds: Dataset<ColumnsLike, unknown> | Dataset<ArrayBatch, unknown>, options: Partial<ToTfDatasetOptions> = {}): SizedTfDataset {
  if (!(ds instanceof Dataset)) throw new OptionError(`toTfDataset: expected a sluice Dataset, got ${describe(ds)}`);
  checkToTfOptions(options);
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new OptionError(`toTfDataset: signal must be an AbortSignal, got ${describe(signal)}`);
  const convert = converter(options);
  const epochs = new EpochKeeper(ds as Dataset<unknown, unknown>, signal);
  const out = tf.data.generator<TfElement>(() => epochs.next(convert)) as SizedTfDataset;
  const size = ds.size;
  // generator() leaves size null (tfjs#8529); with it set fitDataset knows its steps.
  if (size !== undefined) (out as { size: number }).size = size;
  out.close = () => epochs.close();
  return out;
}

const OPTION_NAMES = ['xs', 'ys', 'exampleShape', 'dtype', 'signal', 'reuseBatches'];

/** Unknown option names are refused; `batchesPerEpoch` (fitDataset's option) with what to do instead. */
function checkToTfOptions(options: object): void {
  if (options !== null && typeof options === 'object' && 'batchesPerEpoch' in options) {
    throw new OptionError(
      "toTfDataset: batchesPerEpoch is fitDataset's option, not toTfDataset's. For tf epochs of B batches that continue the stream, " +
        'pass ds.repeat() here and { batchesPerEpoch: B } to fitDataset (then call close() when training is over); ' +
        'without repeat() tf stops training when the first pass runs out',
    );
  }
  checkOptionNames('toTfDataset', options, OPTION_NAMES);
}

/** Turns the `index`-th element into `{ xs, ys }` tensors. */
type Convert = (element: unknown, index: number) => TfElement;

/** The element converter the options ask for: named columns of a batch, or `{ xs, ys }` arrays as they are. */
function converter(options: Partial<ToTfDatasetOptions>): Convert {
  const named = options.xs !== undefined || options.ys !== undefined;
  const exampleShape = options.exampleShape ?? [];
  if (!Array.isArray(exampleShape) || !exampleShape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new OptionError(`toTfDataset: exampleShape must be an array of positive integers, got ${describe(exampleShape)}`);
  }
  if (!named) return (element, index) => fromArrayBatch(element, index, exampleShape);
  const xs = checkSpec('xs', options.xs);
  const ys = checkSpec('ys', options.ys);
  const dtypes: Readonly<Record<string, 'int32' | 'float32' | undefined>> = options.dtype ?? {};
  if (options.reuseBatches !== undefined && typeof options.reuseBatches !== 'boolean') throw new OptionError(`toTfDataset: reuseBatches must be a boolean, got ${describe(options.reuseBatches)}`);
  const reuse = options.reuseBatches === true;
  return (element, index) => {
    const batch = element as ColumnsLike;
    if (batch === null || typeof batch !== 'object' || typeof batch.size !== 'number' || typeof batch.columns !== 'object') {
      throw new SluiceError(`toTfDataset: element ${index} is ${describe(batch)}, not a columnar batch; add .batch(n) before toTfDataset`);
    }
    const column = (c: string): tf.Tensor => columnTensor(batch, c, index, exampleShape, dtypes[c]);
    const made = both(() => fromSpec(xs, column), () => fromSpec(ys, column));
    // The tensors hold copies: the batch's memory can serve the next batches.
    if (reuse && COPYING_BACKENDS.has(tf.getBackend())) batch.release?.();
    return made;
  };
}

/**
 * Backends whose tensors copy the typed arrays they are made from when they are made (wasm,
 * into its heap). The cpu backend keeps the array itself, and tfjs-node ('tensorflow') keeps
 * it until the tensor's first use, so their batches are left to the garbage collector.
 */
const COPYING_BACKENDS: ReadonlySet<string> = new Set(['wasm']);

/** xs, then ys; xs disposed if ys fails (no tensor leaks on a bad batch). */
function both(xs: () => TfElement['xs'], ys: () => TfElement['ys']): TfElement {
  const x = xs();
  try {
    return { xs: x, ys: ys() };
  } catch (e) {
    tf.dispose(x);
    throw e;
  }
}

function fromSpec(spec: Spec, column: (c: string) => tf.Tensor): TfElement['xs'] {
  if (typeof spec === 'string') return column(spec);
  if (Array.isArray(spec)) return spec.map((c: string) => column(c));
  const out: Record<string, tf.Tensor> = {};
  for (const [name, c] of Object.entries(spec)) out[name] = column(c);
  return out;
}

/** One column of a batch as a tensor: int32 for Int32Array ids (unless dtype says float32), float32 otherwise. */
function columnTensor(batch: ColumnsLike, column: string, index: number, exampleShape: readonly number[], want: 'int32' | 'float32' | undefined): tf.Tensor {
  const values = (batch.columns as Readonly<Record<string, NumericArray | undefined>>)[column];
  if (values === undefined) {
    throw new SluiceError(`toTfDataset: batch ${index} has no column '${column}' (has ${Object.keys(batch.columns).join(', ')})`);
  }
  const width = (batch.widths as Readonly<Record<string, number | undefined>> | undefined)?.[column];
  const perRow = width === undefined ? exampleShape : [width, ...exampleShape];
  const rows = values.length / perRow.reduce((a, b) => a * b, 1);
  if (rows !== batch.size) {
    throw new SluiceError(`toTfDataset: column '${column}' of batch ${index} holds ${values.length} values for ${batch.size} rows of shape [${perRow.join(', ')}]`);
  }
  const shape = [rows, ...perRow];
  if (want === 'int32' && !(values instanceof Int32Array)) return tf.tensor(Int32Array.from(values), shape, 'int32');
  if (values instanceof Int32Array && want !== 'float32') return tf.tensor(values, shape, 'int32');
  // float32 is what tf trains in; a Float64Array has to be narrowed (one copy).
  return tf.tensor(values instanceof Float32Array ? values : Float32Array.from(values), shape, 'float32');
}

/** An element that is already `{ xs, ys }` of typed arrays (or lists or maps of them). */
function fromArrayBatch(element: unknown, index: number, exampleShape: readonly number[]): TfElement {
  const e = element as ArrayBatch;
  if (e === null || typeof e !== 'object' || !('xs' in e) || !('ys' in e)) {
    throw new SluiceError(`toTfDataset: element ${index} is ${describe(e)}, not { xs, ys }; name the columns with toTfDataset(ds, { xs, ys })`);
  }
  const perExample = exampleShape.reduce((a, b) => a * b, 1);
  const one = (a: unknown, what: string): tf.Tensor => {
    if (!(a instanceof Int32Array || a instanceof Float32Array || a instanceof Float64Array)) {
      throw new SluiceError(`toTfDataset: element ${index} ${what} holds ${describe(a)}, not an Int32Array, Float32Array or Float64Array`);
    }
    const shape = [a.length / perExample, ...exampleShape];
    if (a instanceof Int32Array) return tf.tensor(a, shape, 'int32');
    return tf.tensor(a instanceof Float32Array ? a : Float32Array.from(a), shape, 'float32');
  };
  const all = (value: ArrayBatch['xs'], what: string): TfElement['xs'] => {
    if (Array.isArray(value)) return value.map((v) => one(v, what));
    if (ArrayBuffer.isView(value)) return one(value, what);
    const out: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(value)) out[k] = one(v, what);
    return out;
  };
  return both(() => all(e.xs, 'xs'), () => all(e.ys, 'ys'));
}

/**
 * The sluice epoch behind tf's current iterator. tf never calls return() on an iterator it
 * stops reading (stopTraining, earlyStopping, evaluateDataset({ batches })), so the epoch
 * it abandoned is closed when tf asks for the next iterator, or by close().
 */
class EpochKeeper {
  private current: AsyncIterator<unknown> | undefined;

  constructor(
    private readonly ds: Dataset<unknown, unknown>,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** A generator over a fresh epoch; the previous one is closed before this one opens. */
  next(convert: Convert): AsyncGenerator<TfElement, void> {
    const closing = this.close();
    return this.run(closing, convert);
  }

  /** Closes the epoch tf is reading, if any. */
  async close(): Promise<void> {
    const it = this.current;
    this.current = undefined;
    await it?.return?.();
  }

  private async *run(closing: Promise<void>, convert: Convert): AsyncGenerator<TfElement, void> {
    await closing;
    const it = this.ds.iterator(this.signal === undefined ? {} : { signal: this.signal });
    this.current = it;
    try {
      for (let index = 0; ; index++) {
        const r = await it.next();
        if (r.done) break;
        yield convert(r.value, index);
      }
    } finally {
      if (this.current === it) this.current = undefined;
      await it.return?.();
    }
  }
}

type Spec = string | readonly string[] | Readonly<Record<string, string>>;

function checkSpec(name: string, spec: unknown): Spec {
  if (typeof spec === 'string' && spec.length > 0) return spec;
  if (Array.isArray(spec) && spec.length > 0 && spec.every((s) => typeof s === 'string')) return spec as string[];
  if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
    const values = Object.values(spec);
    if (values.length > 0 && values.every((s) => typeof s === 'string')) return spec as Record<string, string>;
  }
  throw new OptionError(`toTfDataset: ${name} must be a column name, a list of column names or a map from input name to column, got ${describe(spec)}`);
}
