import type { ChunkSource, ColumnsOfSchema, NumericDType, NumericRecord, OpenOptions, RowOf, Schema } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { checkInt, describe as describeValue, OptionError } from '../errors.js';
import { fileFingerprint } from '../io/fingerprint.js';
import type { CsvOptions } from './reader.js';
import { type CsvStats, emptyStats } from './fields.js';

/** Rows and bad rows skipped in the current or last epoch, as csv()'s `stats`. */
export interface WithStats {
  readonly stats: CsvStats;
}
import { RangeIterator } from './parallel-epoch.js';
import { rejectCategories } from './categorical.js';
import { csvThreads } from './pool.js';
import { ThreadMeter, type WorkerStage } from '../stats/threads.js';
import { workerBudget, WorkerScaler } from '../stats/scaler.js';

export { runCsvTask } from './pool.js';
export { splitRanges } from './parallel-ranges.js';

export interface CsvParallelOptions extends Omit<CsvOptions, 'byteRange' | 'onBadRow' | 'stats'> {
  /**
   * Worker threads decoding ranges. Default 2. 'auto': starts with 1 and adds one each time
   * the consumer waited on the decode more than 20% of the last 8 chunks, up to the CPUs
   * beside the consumer's (os.availableParallelism() - 1) and a memory budget; an epoch
   * starts with the count the last one reached. Rows come out in the same order whatever it
   * decides ('interleave' alternates ranges two at a time, whatever the count).
   */
  workers?: number | 'auto';
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
 * start), so every range decodes to the same schema. Line numbers in errors count from
 * the start of the range.
 * @example
 * const ds = csvParallel('ratings.csv', { workers: 2, columns: { userId: 'int32', movieId: 'int32', rating: 'float32' } });
 * for await (const b of ds.batch(1024)) train(b);
 */
export function csvParallel<const C extends Readonly<Record<string, NumericDType>>>(path: string, options: CsvParallelOptions & { columns: C }): Dataset<RowOf<ColumnsOfSchema<C>>, ColumnsOfSchema<C>> & WithStats;
export function csvParallel<R extends object = NumericRecord>(path: string, options?: CsvParallelOptions): Dataset<R> & WithStats;
export function csvParallel(path: string, options: CsvParallelOptions = {}): Dataset<NumericRecord> & WithStats {
  if (typeof path !== 'string' || path === '') throw new OptionError(`csvParallel: path must be a non-empty string, got ${describeValue(path)}`);
  const rangeBytes = checkInt('csvParallel', 'rangeBytes', options.rangeBytes ?? 8 << 20, 1);
  // A reader holds about five ranges: two it reads or decodes, and arenas for three more.
  const auto = options.workers === 'auto' ? new WorkerScaler(workerBudget(5 * rangeBytes)) : undefined;
  const workers = auto?.budget ?? checkInt('csvParallel', 'workers', options.workers ?? 2, 1);
  const order = options.order ?? 'file';
  if (order !== 'file' && order !== 'interleave') throw new OptionError(`csvParallel: order must be 'file' or 'interleave', got ${describeValue(order)}`);
  if (options.onBadRow !== undefined && options.onBadRow !== 'error' && options.onBadRow !== 'skip') {
    throw new OptionError(`csvParallel: onBadRow must be 'error' or 'skip' (a callback cannot run in a worker), got ${describeValue(options.onBadRow)}`);
  }
  rejectCategories('csvParallel', options.columns);
  const { workers: _w, rangeBytes: _r, order: _o, ...csvOptions } = options;
  let schema: Schema | undefined = options.columns as Schema | undefined;
  const meter = new ThreadMeter(() => csvThreads(workers));
  if (auto !== undefined) meter.budget = auto.budget;
  // Dataset.shard reads only the ranges dealt to the shard; shards of shards compose (r % (c1·c2) = i1 + c1·i2).
  const sourceOf = (shard?: { count: number; index: number }): ChunkSource<NumericRecord> & WorkerStage & { fingerprint(): Promise<string> } => {
    let knownSize: number | undefined;
    return {
      stageName: 'csvParallel',
      workerStats: () => meter.stats(),
      get size() {
        return knownSize;
      },
      get schema() {
        return schema;
      },
      open: (_epoch?: number, opts?: OpenOptions) => {
        const config = { path, options: csvOptions, workers, rangeBytes, order, onSchema: (s: Schema) => (schema = s), onSize: (n: number) => (knownSize = n), stats, ...(shard === undefined ? {} : { shard }) };
        const it = new RangeIterator<NumericRecord>(auto === undefined ? config : { ...config, readers: auto.count, group: 2 }, opts?.signal);
        return meter.epoch(auto === undefined ? it : auto.watch(it, () => it.addReader()));
      },
      shard: (count, index) => sourceOf(shard === undefined ? { count, index } : { count: shard.count * count, index: shard.index + shard.count * index }),
      fingerprint: () => fileFingerprint(path, { ...csvOptions, reader: 'csv', ...(shard === undefined ? {} : { shard }) }),
    };
  };
  const stats = emptyStats();
  const source = sourceOf();
  return Object.assign(new Dataset<NumericRecord>(source), { stats });
}

