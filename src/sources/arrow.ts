import { CHUNK_SIZE, type ColumnsOfSchema, type NumericDType, type NumericRecord, type OpenOptions, type RowOf, type Schema } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { checkInt, describe as describeValue, OptionError } from '../errors.js';
import { readArrowFile } from '../io/arrow-file.js';
import { fileFingerprint } from '../io/fingerprint.js';
import type { ObjectStoreOptions } from '../io/object-store.js';
import { isRemote } from '../io/remote.js';

export { ArrowFormatError } from '../io/arrow-file.js';

export interface ArrowOptions {
  /**
   * Columns to read and the dtype each becomes. Default: every numeric column, with
   * int8/16/32 and uint8/16 → int32, float32 → float32, everything else (int64,
   * uint32, uint64, float64) → float64, which holds integers exactly up to 2^53.
   */
  columns?: Readonly<Record<string, NumericDType>>;
  /** Rows per chunk handed downstream. Default CHUNK_SIZE; larger record batches are sliced without copying. */
  chunkSize?: number;
  /** For s3:// and http(s) files (read by range requests): credentials, endpoint, concurrency, retries, cache. */
  store?: ObjectStoreOptions;
}

/**
 * Reads an Apache Arrow IPC file (file or stream format: `.arrow`, `.feather` v2,
 * `.arrows`), as written by pyarrow, DuckDB, Polars or `sluice convert`, streaming one
 * record batch at a time, from a local path, `s3://bucket/key` or an http(s) URL that
 * answers range requests (the footer, then each batch at its offset). Numeric columns come out as columnar chunks whose typed arrays
 * view the batch read from disk (no copy when the dtype matches).
 * @example
 * import { arrow } from 'sluice';
 * const ds = arrow('ratings.arrow').shuffle(100_000).batch(1024);
 */
export function arrow<const C extends Readonly<Record<string, NumericDType>>>(path: string, options: ArrowOptions & { columns: C }): Dataset<RowOf<ColumnsOfSchema<C>>, ColumnsOfSchema<C>>;
export function arrow<T extends object = NumericRecord>(path: string, options?: ArrowOptions): Dataset<T>;
export function arrow(path: string, options: ArrowOptions = {}): Dataset<NumericRecord> {
  if (typeof path !== 'string' || path === '') throw new OptionError(`arrow: path must be a non-empty string, got ${describeValue(path)}`);
  const chunkSize = checkInt('arrow', 'chunkSize', options.chunkSize ?? CHUNK_SIZE, 1);
  const schema: Schema | undefined = options.columns;
  const source = {
    size: undefined,
    schema,
    freshChunks: true, // each record batch is read into new buffers that the reader keeps no hold of
    open: (_epoch?: number, openOptions?: OpenOptions) => readArrowFile<NumericRecord>(path, options.columns, chunkSize, openOptions?.signal, options.store),
    fingerprint: async () => (isRemote(path) ? JSON.stringify({ url: path, format: 'arrow', columns: options.columns ?? null }) : fileFingerprint(path, { format: 'arrow', columns: options.columns ?? null })),
  };
  return new Dataset<NumericRecord>(source);
}

