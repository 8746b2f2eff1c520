import type { ColumnsOfSchema, NumericDType, NumericRecord, OpenOptions, RowOf, Schema } from '../chunk.js';
import { checkInt, describe as describeValue, OptionError } from '../errors.js';
import { fileFingerprint } from '../io/fingerprint.js';
import { CsvDataset, type CsvOptions } from './reader.js';
import { type CsvStats, emptyStats } from './fields.js';
import type { Dataset } from '../dataset.js';

/** Rows and bad rows skipped in the current or last epoch, as csv()'s `stats`. */
export interface WithStats {
  readonly stats: CsvStats;
}
import { RangeIterator } from './parallel-epoch.js';
import { rejectCategories } from './categorical.js';

export { runCsvTask } from './pool.js';
export { splitRanges } from './parallel-ranges.js';

export interface CsvParallelOptions extends Omit<CsvOptions, 'byteRange' | 'onBadRow' | 'stats'> {
  /** Worker threads decoding ranges. Default 2. */
  workers?: number;
  /** Bytes per range (one worker task). Default 8 MiB. */
  rangeBytes?: number;
  /**
   * 'file' (default): rows in file order, as csv() gives them. 'interleave': the chunks of
   * the ranges in flight taken in turn, a deterministic mix that helps a shuffle buffer.
   */
  order?: 'file' | 'interleave';
  /** 'error' (default) or 'skip': a callback cannot run in a worker. */
  onBadRow?: 'error' | 'skip';
}

/**
 * Decodes one plain CSV file on worker threads: the file is cut into byte ranges, each
 * range is decoded by a worker (`csv(path, { byteRange })`, so each row is read exactly
 * once) and its chunks come back with their typed arrays moved. Output is in file order
 * by default; at most `workers + 1` ranges are decoded ahead of the consumer. Worker threads
 * are shared by the epochs of the process and exit when idle (they never hold it open). Dtypes are
 * settled once, before the workers start (from `columns`, or inferred from the file's
 * start), so every range decodes to the same schema. As csv(): a bad row's DataError
 * names its line in the file, `stats.skipped` counts rows skipped, a file changed during
 * the epoch is a FileError; a FIFO, a device or a quoted field holding a newline is refused.
 * @example
 * const ds = csvParallel('ratings.csv', { workers: 2, columns: { userId: 'int32', movieId: 'int32', rating: 'float32' } });
 * for await (const b of ds.batch(1024)) train(b);
 */
export function csvParallel<const C extends Readonly<Record<string, NumericDType>>>(path: string, options: CsvParallelOptions & { columns: C }): Dataset<RowOf<ColumnsOfSchema<C>>, ColumnsOfSchema<C>> & WithStats;
export function csvParallel<R extends object = NumericRecord>(path: string, options?: CsvParallelOptions): Dataset<R> & WithStats;
export function csvParallel(path: string, options: CsvParallelOptions = {}): Dataset<NumericRecord> & WithStats {
  if (typeof path !== 'string' || path === '') throw new OptionError(`csvParallel: path must be a non-empty string, got ${describeValue(path)}`);
  const workers = checkInt('csvParallel', 'workers', options.workers ?? 2, 1);
  const rangeBytes = checkInt('csvParallel', 'rangeBytes', options.rangeBytes ?? 8 << 20, 1);
  const order = options.order ?? 'file';
  if (order !== 'file' && order !== 'interleave') throw new OptionError(`csvParallel: order must be 'file' or 'interleave', got ${describeValue(order)}`);
  if (options.onBadRow !== undefined && options.onBadRow !== 'error' && options.onBadRow !== 'skip') {
    throw new OptionError(`csvParallel: onBadRow must be 'error' or 'skip' (a callback cannot run in a worker), got ${describeValue(options.onBadRow)}`);
  }
  rejectCategories('csvParallel', options.columns);
  const { workers: _w, rangeBytes: _r, order: _o, ...csvOptions } = options;
  let schema: Schema | undefined = options.columns as Schema | undefined;
  let knownSize: number | undefined;
  const stats = emptyStats();
  const source = {
    get size() {
      return knownSize;
    },
    get schema() {
      return schema;
    },
    open: (_epoch?: number, opts?: OpenOptions) =>
      new RangeIterator<NumericRecord>({ path, options: csvOptions, workers, rangeBytes, order, onSchema: (s) => (schema = s), onSize: (n) => (knownSize = n), stats }, opts?.signal),
    fingerprint: () => fileFingerprint(path, { ...csvOptions, reader: 'csv' }),
  };
  return new CsvDataset<NumericRecord>(source, stats);
}

