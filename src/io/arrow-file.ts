// Reading Arrow IPC files into columnar chunks: shared by the arrow() source and the file
// cache, so neither depends on the other (and nothing here depends on Dataset).
import { type FileHandle, open } from 'node:fs/promises';
// Types only at load: apache-arrow itself is imported when a file is first read.
import type { DataType, RecordBatch, Schema as ArrowSchema } from 'apache-arrow';
import { type Chunk, ColumnChunk, type NumericArray, type NumericDType, splitChunk } from '../chunk.js';
import { FormatError, throwIfAborted } from '../errors.js';
import { type ColumnPlan, planColumns } from './column-plan.js';
import { FileError } from './file.js';
import type { ObjectStoreOptions } from './object-store.js';
import { isRemote } from './remote.js';
import { remoteFileHandle } from './remote-file.js';

/** A file that is not a readable Arrow IPC file, or a column sluice cannot turn into numbers. */
export class ArrowFormatError extends FormatError {
  override name = 'ArrowFormatError';
}

/** The chunks of one pass over an Arrow IPC file; the file is closed when the pass ends, is abandoned or `signal` aborts (checked between record batches). */
export async function* readArrowFile<T>(
  path: string,
  columns: Readonly<Record<string, NumericDType>> | undefined,
  chunkSize: number,
  signal?: AbortSignal,
  store?: ObjectStoreOptions,
): AsyncGenerator<Chunk<T>, undefined> {
  throwIfAborted(signal);
  let handle;
  try {
    // An object in storage: the footer, then each record batch at its offset, by range GETs.
    handle = isRemote(path) ? ((await remoteFileHandle(path, store)) as unknown as FileHandle) : await open(path, 'r');
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
      throwIfAborted(signal);
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

/** The output columns of an Arrow schema (see planColumns). */
export function columnPlan(path: string, schema: ArrowSchema, wanted: Readonly<Record<string, NumericDType>> | undefined): ColumnPlan[] {
  const stored = schema.fields.map((f) => ({ name: f.name, natural: naturalDType(f.type), type: String(f.type) }));
  return planColumns(stored, wanted, (message) => new ArrowFormatError(path, message));
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
