// What every feature transform shares: one streamed pass over a column (`fit`), the stage
// that replaces or adds a column (`apply`, built on withColumn → mapColumns, so the pipeline
// stays columnar and typed), and the checks of saved stats.
import type { AnyColumns, NumericArray, RowOf } from '../chunk.js';
import type { Dataset } from '../dataset.js';
import { describe, OptionError, StageError } from '../errors.js';
import { checkOptionNames } from '../options.js';
import { columnsOfChunk, checkColumnName } from '../stages/map-columns.js';
import type { WithColumn } from '../stages/with-column.js';

/** Options of every `fit`. */
export interface FitOptions {
  /** Aborting it ends the pass: `fit` rejects with an AbortError and the dataset's epoch is closed. */
  signal?: AbortSignal;
}

/** Options of every `apply`. */
export interface ApplyOptions<O extends string> {
  /** The output column (default: the input column, replaced). */
  as?: O;
}

/** The columns after a transform wrote `O` as an `A`. */
export type Transformed<C, O extends string, A> = WithColumn<C, O, A>;

/** The dataset after a transform wrote column `O` as an `A`. */
export type TransformedDataset<C, O extends string, A> = Dataset<RowOf<Transformed<C, O, A>>, Transformed<C, O, A>>;

/**
 * One streamed pass over `column` of one epoch of `ds`: `fn(values, size)` per chunk, each
 * `values` exactly `size` long. The epoch is closed when the pass ends, fails or is aborted.
 */
export async function eachColumn(ds: Dataset<unknown, unknown>, column: string, stage: string, fn: (values: NumericArray, size: number) => void, options: FitOptions = {}): Promise<void> {
  checkOptionNames(`${stage}.fit`, options, ['signal']);
  checkColumnName(`${stage}.fit`, 'column', column, ds.schema);
  let index = 0;
  for await (const chunk of ds.chunks(options.signal === undefined ? {} : { signal: options.signal })) {
    const { size, columns } = columnsOfChunk(chunk, ds.schema, stage, index);
    fn(valuesOf(columns, column, stage, index), size);
    index += size;
  }
}

/** `fn` over `column` of every chunk of `ds`, written as column `as ?? column`: a column-wise stage named `stage` in errors. */
export function applyColumn<T, C, O extends string, A extends NumericArray>(ds: Dataset<T, C>, stage: string, column: string, options: ApplyOptions<O> | undefined, fn: (values: NumericArray, size: number) => A): TransformedDataset<C, O, A> {
  checkOptionNames(`${stage}.apply`, options, ['as']);
  checkColumnName(`${stage}.apply`, 'column', column, ds.schema);
  const out = (options?.as ?? column) as O;
  if (typeof out !== 'string' || out === '') throw new OptionError(`${stage}.apply: as must be a non-empty string, got ${describe(out)}`);
  return ds.withColumn<O, A>(out, (columns, size, index) => fn(valuesOf(columns as unknown as AnyColumns, column, stage, index), size));
}

function valuesOf(columns: AnyColumns, column: string, stage: string, index: number): NumericArray {
  const values = columns[column];
  if (values === undefined) throw new StageError(stage, index, new Error(`no column '${column}' (the columns are ${Object.keys(columns).join(', ')})`));
  return values;
}

/** The saved stats of transform `kind` as a record, or an OptionError naming what is wrong. */
export function statsRecord(kind: string, json: unknown): Record<string, unknown> {
  const o = typeof json === 'string' ? (JSON.parse(json) as unknown) : json;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new OptionError(`${kind}.fromJSON: expected an object (or its JSON text), got ${describe(o)}`);
  const r = o as Record<string, unknown>;
  if (r.kind !== kind) throw new OptionError(`${kind}.fromJSON: these are the stats of ${describe(r.kind)}, not '${kind}'`);
  if (typeof r.column !== 'string' || r.column === '') throw new OptionError(`${kind}.fromJSON: column must be a non-empty string, got ${describe(r.column)}`);
  return r;
}

/** `value` if it is a finite number, else an OptionError naming the field. */
export function finite(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new OptionError(`${where}: ${name} must be a finite number, got ${describe(value)}`);
  return value;
}

/** `value` if it is an integer in [min, max], else an OptionError naming the field. */
export function integerIn(where: string, name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new OptionError(`${where}: ${name} must be an integer in [${min}, ${max}], got ${describe(value)}`);
  return value;
}
