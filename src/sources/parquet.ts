import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { asyncBufferFromFile, parquetMetadata, parquetMetadataAsync, parquetRead } from 'hyparquet';
import type { FileMetaData, SchemaElement } from 'hyparquet';
import { type Chunk, CHUNK_SIZE, ColumnChunk, type NumericArray, type ColumnsOfSchema, type NumericDType, type NumericRecord, type OpenOptions, type RowOf, splitChunk } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { checkInt, describe as describeValue, FormatError, OptionError, throwIfAborted } from '../errors.js';
import { fileFingerprint } from '../io/fingerprint.js';
import { type ColumnPlan, planColumns, type StoredColumn } from '../io/column-plan.js';
import { FileError } from '../io/file.js';
import type { ObjectStoreOptions } from '../io/object-store.js';
import { isRemote } from '../io/remote.js';
import { remoteAsyncBuffer } from '../io/remote-file.js';

export interface ParquetOptions {
  /**
   * Columns to read and the dtype each becomes. Default: every numeric top-level column,
   * INT32 → int32, FLOAT → float32, INT64 and DOUBLE → float64 (exact integers up to 2^53).
   */
  columns?: Readonly<Record<string, NumericDType>>;
  /** Rows per chunk handed downstream. Default CHUNK_SIZE. */
  chunkSize?: number;
  /** For s3:// and http(s) files (read by range requests): credentials, endpoint, concurrency, retries, cache. */
  store?: ObjectStoreOptions;
}

/** A file that is not readable Parquet, or a column sluice cannot turn into numbers. */
export class ParquetFormatError extends FormatError {
  override name = 'ParquetFormatError';
}

/**
 * Reads a Parquet file (as written by Spark, Ray, DuckDB, pandas/pyarrow) one row group at
 * a time, with hyparquet, from a local path, `s3://bucket/key` or an http(s) URL that
 * answers range requests (the footer, then each row group's column chunks): memory holds
 * one row group of the selected columns, not the file. Numeric columns come out as columnar
 * chunks. `size` is the footer's row count for a local file (read on first use of `size`,
 * with a few small synchronous reads); undefined for a remote one.
 * @example
 * import { parquet } from 'sluice';
 * const ds = parquet('ratings.parquet', { columns: { userId: 'int32', movieId: 'int32', rating: 'float32' } });
 * for await (const b of ds.shuffle(100_000).batch(1024)) b.columns.rating; // Float32Array
 */
export function parquet<const C extends Readonly<Record<string, NumericDType>>>(path: string, options: ParquetOptions & { columns: C }): Dataset<RowOf<ColumnsOfSchema<C>>, ColumnsOfSchema<C>>;
export function parquet<T extends object = NumericRecord>(path: string, options?: ParquetOptions): Dataset<T>;
export function parquet(path: string, options: ParquetOptions = {}): Dataset<NumericRecord> {
  if (typeof path !== 'string' || path === '') throw new OptionError(`parquet: path must be a non-empty string, got ${describeValue(path)}`);
  const chunkSize = checkInt('parquet', 'chunkSize', options.chunkSize ?? CHUNK_SIZE, 1);
  let footer: FileMetaData | undefined;
  let looked = false;
  const metadata = (): FileMetaData | undefined => {
    if (!looked && !isRemote(path)) {
      looked = true;
      try {
        footer = readFooterSync(path);
      } catch {
        footer = undefined; // reported by open(), with the reason
      }
    }
    return footer;
  };
  const source = {
    get size(): number | undefined {
      const m = metadata();
      return m === undefined ? undefined : Number(m.num_rows);
    },
    get schema() {
      const m = metadata();
      if (m === undefined) return options.columns;
      try {
        return Object.fromEntries(columnPlan(path, m, options.columns).map((c) => [c.name, c.dtype]));
      } catch {
        return options.columns;
      }
    },
    open: (_epoch?: number, openOptions?: OpenOptions) => readParquet<NumericRecord>(path, options.columns, chunkSize, openOptions?.signal, options.store),
    fingerprint: async () => (isRemote(path) ? JSON.stringify({ url: path, format: 'parquet', columns: options.columns ?? null }) : fileFingerprint(path, { format: 'parquet', columns: options.columns ?? null })),
  };
  return new Dataset<NumericRecord>(source);
}

/** The footer, read synchronously: 8 bytes at the end, then the metadata block. */
function readFooterSync(path: string): FileMetaData {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < 12) throw new Error('too short for Parquet');
    const tail = Buffer.alloc(8);
    readSync(fd, tail, 0, 8, size - 8);
    const length = tail.readUInt32LE(0);
    if (tail.toString('latin1', 4) !== 'PAR1' || length + 8 > size) throw new Error('no Parquet footer');
    const buf = Buffer.alloc(length + 8);
    readSync(fd, buf, 0, length + 8, size - length - 8);
    return parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  } finally {
    closeSync(fd);
  }
}

/** The output columns of a Parquet file's top-level leaves (see planColumns); nested groups are never numeric. */
function columnPlan(path: string, meta: FileMetaData, wanted: Readonly<Record<string, NumericDType>> | undefined): ColumnPlan[] {
  // Element 0 is the root; each top-level element is followed by its descendants.
  const stored: StoredColumn[] = [];
  const schema = meta.schema;
  for (let i = 1; i < schema.length; ) {
    const el = schema[i]!;
    stored.push({ name: el.name, natural: naturalDType(el), type: el.type ?? 'a group' });
    i += 1 + countDescendants(schema, i);
  }
  return planColumns(stored, wanted, (message) => new ParquetFormatError(path, message));
}

function countDescendants(schema: readonly SchemaElement[], i: number): number {
  let n = 0;
  let children = schema[i]!.num_children ?? 0;
  let j = i + 1;
  while (children > 0) {
    const sub = 1 + countDescendants(schema, j);
    n += sub;
    j += sub;
    children--;
  }
  return n;
}

function naturalDType(el: SchemaElement): NumericDType | undefined {
  if ((el.num_children ?? 0) > 0 || el.repetition_type === 'REPEATED') return undefined;
  switch (el.type) {
    case 'INT32':
      return 'int32';
    case 'FLOAT':
      return 'float32';
    case 'INT64':
    case 'DOUBLE':
      return 'float64';
    default:
      return undefined;
  }
}

/** One pass, a row group at a time; `signal` is checked before each row group is decoded. */
async function* readParquet<T>(path: string, wanted: Readonly<Record<string, NumericDType>> | undefined, chunkSize: number, signal: AbortSignal | undefined, store?: ObjectStoreOptions): AsyncGenerator<Chunk<T>, undefined> {
  throwIfAborted(signal);
  let file;
  let meta: FileMetaData;
  try {
    // An object in storage: the footer, then each row group's column chunks, by range GETs.
    file = isRemote(path) ? await remoteAsyncBuffer(path, store) : await asyncBufferFromFile(path);
  } catch (e) {
    throw new FileError(path, e);
  }
  try {
    // A remote footer is one small range read (a longer footer costs a second one), not hyparquet's default 512 KiB.
    meta = await parquetMetadataAsync(file, isRemote(path) ? { initialFetchSize: 64 << 10 } : {});
  } catch (e) {
    throw new ParquetFormatError(path, `not a Parquet file (${e instanceof Error ? e.message : String(e)})`);
  }
  const plan = columnPlan(path, meta, wanted);
  const names = plan.map((p) => p.name);
  let groupStart = 0;
  for (const group of meta.row_groups) {
    const rows = Number(group.num_rows);
    const start = groupStart;
    groupStart += rows;
    if (rows === 0) continue;
    throwIfAborted(signal);
    const columns: Record<string, NumericArray> = {};
    for (const p of plan) columns[p.name] = p.dtype === 'int32' ? new Int32Array(rows) : p.dtype === 'float32' ? new Float32Array(rows) : new Float64Array(rows);
    try {
      await parquetRead({
        file,
        metadata: meta,
        columns: names,
        rowStart: start,
        rowEnd: start + rows,
        onChunk: ({ columnName, columnData, rowStart }) => {
          const target = columns[columnName];
          if (target !== undefined) fill(path, columnName, target, columnData as ArrayLike<unknown>, rowStart - start);
        },
      });
    } catch (e) {
      if (e instanceof ParquetFormatError) throw e;
      throw new ParquetFormatError(path, `cannot decode row group at row ${start} (${e instanceof Error ? e.message : String(e)})`);
    }
    const chunk = new ColumnChunk<T>(rows, columns);
    yield* splitChunk(chunk, chunkSize);
  }
  return undefined;
}

/** Copies decoded values into the group's column from `offset`; parts outside the group are cut. */
function fill(path: string, name: string, target: NumericArray, values: ArrayLike<unknown>, offset: number): void {
  const from = Math.max(0, -offset);
  const to = Math.min(values.length, target.length - offset);
  if (from >= to) return;
  if (ArrayBuffer.isView(values) && !(values instanceof BigInt64Array) && !(values instanceof BigUint64Array)) {
    target.set((values as unknown as NumericArray).subarray(from, to), offset + from);
    return;
  }
  for (let i = from; i < to; i++) {
    const v = values[i];
    let n: number;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'bigint') n = Number(v);
    else if (v instanceof Date) n = v.getTime();
    else throw new ParquetFormatError(path, `column '${name}' row ${offset + i}: ${v === null || v === undefined ? 'null' : describeValue(v)}; sluice needs numbers`);
    target[offset + i] = n;
  }
}
