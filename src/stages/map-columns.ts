// mapColumns: a function over whole columns, once per chunk. The column-wise counterpart
// of `map`: no object per row, the pipeline stays columnar (and typed) downstream. select,
// rename, withColumn and filterRows are built on it.
import { allocColumn, type AnyColumns, type Chunk, type ChunkSource, ColumnChunk, dtypeOf, epochOf, type NumericArray, type OpenOptions, type RowOf, type Schema } from '../chunk.js';
import { checkFunction, describe, OptionError, StageError } from '../errors.js';
import { nearestName } from '../options.js';

/** What a column function sees: the chunk's columns (each exactly `size` long), its row count, and the index of its first row in the epoch. */
export type ColumnsFn<C, D> = (columns: C, size: number, index: number) => D;

/**
 * Runs `fn` once per chunk on its columns and yields the columns it returns as the chunk.
 * Chunks of plain numeric records (from `map`, `fromIterable`) are turned into columns first
 * (dtype from the schema, Float64Array otherwise). Every returned column must be an
 * Int32Array, Float32Array or Float64Array of the chunk's size, or a stage error names it.
 * Columns passed through unchanged are not copied. The schema downstream is the dtypes of
 * the columns returned (known once the first chunk has been seen). When the upstream's
 * chunks are fresh (ChunkSource.freshChunks), so are these, and a shuffle downstream swaps
 * rows inside them: a column `fn` passes through is the upstream's own, any other column it
 * returns is copied first (it may be an array `fn` keeps and returns again), and `fn` must
 * not keep the arrays it is given past its call.
 */
export function mapColumns<T, D extends AnyColumns>(source: ChunkSource<T>, fn: ColumnsFn<AnyColumns, D>, stage = 'mapColumns', keepsRows = true): ChunkSource<RowOf<D>> {
  checkFunction(stage, 'fn', fn);
  let schema: Schema | undefined;
  const fresh = source.freshChunks === true;
  return {
    get size() {
      return keepsRows ? source.size : undefined;
    },
    get schema() {
      return schema;
    },
    // Fresh in, fresh out: the shuffle after a mapColumns swaps in place, as after csv().
    freshChunks: fresh,
    open: (epoch, options) => run(epoch, options),
  };

  async function* run(epoch: number | undefined, options: OpenOptions | undefined): AsyncGenerator<Chunk<RowOf<D>>, undefined> {
    let index = 0;
    for await (const chunk of epochOf(source, epoch, options)) {
      const { size, columns } = columnsOfChunk(chunk, source.schema, stage, index);
      let out: D;
      try {
        out = fn(columns, size, index);
      } catch (e) {
        throw new StageError(stage, index, e);
      }
      const rows = checkColumns(out, keepsRows ? size : undefined, stage, index);
      schema ??= Object.fromEntries(Object.entries(out).map(([k, v]) => [k, dtypeOf(v)]));
      index += size;
      if (rows > 0 || (keepsRows && size === 0)) yield new ColumnChunk<RowOf<D>>(rows, fresh ? owned(out, columns) : out);
    }
    return undefined;
  }
}

/**
 * `out` as a chunk nothing else holds: a column that is one of the chunk's own `inputs`
 * (passed through, once) stays; any other is copied (a copy of a chunk's column costs about
 * a microsecond; a shuffle that cannot swap in place allocates every column anew).
 */
function owned<D extends AnyColumns>(out: D, inputs: AnyColumns): D {
  const own = new Set<NumericArray>(Object.values(inputs));
  const copied: Record<string, NumericArray> = {};
  for (const name in out) {
    const col = out[name]!;
    if (own.delete(col)) copied[name] = col; // the second use of an input is copied
    else copied[name] = col.slice();
  }
  return copied as D;
}

/** A chunk as `{ size, columns }`, each column exactly `size` long (views, no copy, when already columnar). */
export function columnsOfChunk<T>(chunk: Chunk<T>, schema: Schema | undefined, stage: string, index: number): { size: number; columns: AnyColumns } {
  if (chunk instanceof ColumnChunk) {
    const size = chunk.size;
    const columns: Record<string, NumericArray> = {};
    for (const name in chunk.columns) {
      const c = chunk.columns[name]!;
      columns[name] = c.length === size ? c : c.subarray(0, size);
    }
    return { size, columns };
  }
  const size = chunk.length;
  const columns: Record<string, NumericArray> = {};
  if (size === 0) return { size, columns };
  const first = chunk[0];
  if (first === null || typeof first !== 'object' || Array.isArray(first)) {
    throw new StageError(stage, index, new Error(`elements must be records of numbers, got ${describe(first)}`));
  }
  const names = Object.keys(first);
  for (const name of names) {
    const dtype = schema?.[name];
    const col = allocColumn(dtype === 'string' ? undefined : dtype, size);
    for (let i = 0; i < size; i++) {
      const v = (chunk[i] as Record<string, unknown>)[name];
      if (typeof v !== 'number') throw new StageError(stage, index + i, new Error(`field '${name}' is ${describe(v)}, not a number`));
      col[i] = v;
    }
    columns[name] = col;
  }
  return { size, columns };
}

/** Checks what a column function returned; the rows it holds (all columns the same length). */
function checkColumns(out: unknown, size: number | undefined, stage: string, index: number): number {
  if (out === null || typeof out !== 'object' || Array.isArray(out)) {
    throw new StageError(stage, index, new Error(`the column function returned ${describe(out)}, not a record of typed arrays`));
  }
  let rows = size;
  for (const [name, col] of Object.entries(out)) {
    if (!(col instanceof Int32Array || col instanceof Float32Array || col instanceof Float64Array)) {
      throw new StageError(stage, index, new Error(`column '${name}' is ${describe(col)}${ArrayBuffer.isView(col) ? ` (${col.constructor.name})` : ''}, not an Int32Array, Float32Array or Float64Array`));
    }
    rows ??= col.length;
    if (col.length !== rows) throw new StageError(stage, index, new Error(`column '${name}' holds ${col.length} values for a chunk of ${rows} rows`));
  }
  return rows ?? 0;
}

/** Throws an OptionError when the source's schema is known and lacks `name`, with the nearest name. */
export function checkColumnName(stage: string, what: string, name: unknown, schema: Schema | undefined): string {
  if (typeof name !== 'string' || name === '') throw new OptionError(`${stage}: ${what} must be a non-empty string, got ${describe(name)}`);
  if (schema !== undefined && !(name in schema)) {
    const near = nearestName(name, Object.keys(schema));
    throw new OptionError(`${stage}: no column '${name}'${near === undefined ? '' : ` (did you mean '${near}'?)`}; the columns are ${Object.keys(schema).join(', ')}`);
  }
  return name;
}
