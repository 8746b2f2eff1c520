import { open } from 'node:fs/promises';
// Types only at load: apache-arrow itself is imported when a file is first read.
import type { DataType, RecordBatch, Schema as ArrowSchema } from 'apache-arrow';
import { type Chunk, CHUNK_SIZE, ColumnChunk, type NumericArray, type NumericDType, type NumericRecord, type Schema, splitChunk } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { checkInt, describe as describeValue, FormatError, OptionError } from '../errors.js';
import { fileFingerprint } from '../stages/cache-fingerprint.js';
import { FileError } from './file.js';

export interface ArrowOptions {
  /**
   * Columns to read and the dtype each becomes. Default: every numeric column, with
   * int8/16/32 and uint8/16 → int32, float32 → float32, everything else (int64,
   * uint32, uint64, float64) → float64, which holds integers exactly up to 2^53.
   */
  columns?: Readonly<Record<string, NumericDType>>;
  /** Rows per chunk handed downstream. Default CHUNK_SIZE; larger record batches are sliced without copying. */
  chunkSize?: number;
}

/** A file that is not a readable Arrow IPC file, or a column sluice cannot turn into numbers. */
export class ArrowFormatError extends FormatError {
  override name = 'ArrowFormatError';
}

/**
 * Reads an Apache Arrow IPC file (file or stream format: `.arrow`, `.feather` v2,
 * `.arrows`), as written by pyarrow, DuckDB, Polars or `sluice convert`, streaming one
 * record batch at a time. Numeric columns come out as columnar chunks whose typed arrays
 * view the batch read from disk (no copy when the dtype matches).
 * @example
 * import { arrow } from 'sluice';
 * const ds = arrow('ratings.arrow').shuffle(100_000).batch(1024);
 */
export function arrow<T extends object = NumericRecord>(path: string, options: ArrowOptions = {}): Dataset<T> {
  if (typeof path !== 'string' || path === '') throw new OptionError(`arrow: path must be a non-empty string, got ${describeValue(path)}`);
  const chunkSize = checkInt('arrow', 'chunkSize', options.chunkSize ?? CHUNK_SIZE, 1);
  const schema: Schema | undefined = options.columns;
  const source = {
    size: undefined,
    schema,
    open: () => readArrowFile<T>(path, options.columns, chunkSize),
    fingerprint: () => fileFingerprint(path, { format: 'arrow', columns: options.columns ?? null }),
  };
  return new Dataset<T>(source);
}

/** The chunks of one pass over an Arrow IPC file; the file is closed when the pass ends or is abandoned. */
export async function* readArrowFile<T>(
  path: string,
  columns: Readonly<Record<string, NumericDType>> | undefined,
  chunkSize: number,
): AsyncGenerator<Chunk<T>, undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new FileError(path, e);
  }
  try {
    let reader;
    try {
      const { RecordBatchReader } = await import('apache-arrow');
      reader = await RecordBatchReader.from(handle);
      await reader.open();
    } catch (e) {
      throw new ArrowFormatError(path, `not an Arrow IPC file (${e instanceof Error ? e.message : String(e)})`);
    }
    const plan = columnPlan(path, reader.schema, columns);
    const batches = reader[Symbol.asyncIterator]();
    for (;;) {
      let r;
      try {
        r = await batches.next();
      } catch (e) {
        // e.g. a compressed body (LZ4/ZSTD) without a codec, or a damaged stream.
        throw new ArrowFormatError(path, `cannot read a record batch (${e instanceof Error ? e.message : String(e)})`);
      }
      if (r.done) break;
      const chunk = toColumnChunk<T>(path, r.value, plan);
      yield* splitChunk(chunk, chunkSize);
    }
  } finally {
    await handle.close();
  }
  return undefined;
}

/** Which Arrow field feeds which output column, as which dtype. */
export interface ColumnPlan {
  readonly name: string;
  readonly index: number;
  readonly dtype: NumericDType;
}

export function columnPlan(path: string, schema: ArrowSchema, wanted: Readonly<Record<string, NumericDType>> | undefined): ColumnPlan[] {
  const plan: ColumnPlan[] = [];
  if (wanted !== undefined) {
    for (const [name, dtype] of Object.entries(wanted)) {
      const index = schema.fields.findIndex((f) => f.name === name);
      if (index < 0) throw new ArrowFormatError(path, `no column '${name}' (has ${schema.fields.map((f) => f.name).join(', ')})`);
      if (naturalDType(schema.fields[index]!.type) === undefined) {
        throw new ArrowFormatError(path, `column '${name}' is ${String(schema.fields[index]!.type)}, not numeric`);
      }
      plan.push({ name, index, dtype });
    }
    return plan;
  }
  schema.fields.forEach((f, index) => {
    const dtype = naturalDType(f.type);
    if (dtype !== undefined) plan.push({ name: f.name, index, dtype });
  });
  if (plan.length === 0) throw new ArrowFormatError(path, 'no numeric columns');
  return plan;
}

/** The sluice dtype an Arrow numeric type maps to by default; undefined for non-numeric types. */
function naturalDType(type: DataType): NumericDType | undefined {
  // apache-arrow's Type.Int and Type.Float (numbers, so that this module needs no runtime import).
  switch (type.typeId as number) {
    case 2: {
      const t = type as unknown as { bitWidth: number; isSigned: boolean };
      return t.bitWidth < 32 || (t.bitWidth === 32 && t.isSigned) ? 'int32' : 'float64';
    }
    case 3: {
      const t = type as unknown as { precision: number };
      // Precision 0 is float16, which has no typed array here.
      return t.precision === 2 ? 'float64' : t.precision === 1 ? 'float32' : undefined;
    }
    default:
      return undefined;
  }
}

/** A record batch as a ColumnChunk: views where the Arrow buffer already has the dtype, a converted copy otherwise. */
export function toColumnChunk<T>(path: string, batch: RecordBatch, plan: readonly ColumnPlan[]): ColumnChunk<T> {
  const columns: Record<string, NumericArray> = {};
  for (const { name, index, dtype } of plan) {
    const data = batch.data.children[index]!;
    if (data.nullCount > 0) throw new ArrowFormatError(path, `column '${name}' has ${data.nullCount} null values; sluice needs numbers`);
    const values = (data.values as ArrayLike<number | bigint> & { subarray(a: number, b: number): ArrayLike<number | bigint> }).subarray(
      data.offset,
      data.offset + data.length,
    );
    columns[name] = convert(values, dtype);
  }
  return new ColumnChunk<T>(batch.numRows, columns);
}

function convert(values: ArrayLike<number | bigint>, dtype: NumericDType): NumericArray {
  if (dtype === 'int32' && values instanceof Int32Array) return values;
  if (dtype === 'float32' && values instanceof Float32Array) return values;
  if (dtype === 'float64' && values instanceof Float64Array) return values;
  const n = values.length;
  const out = dtype === 'int32' ? new Int32Array(n) : dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) out[i] = Number(values[i]!);
  } else {
    out.set(values as ArrayLike<number>);
  }
  return out;
}
