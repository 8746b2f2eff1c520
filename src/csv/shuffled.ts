import { statSync } from 'node:fs';
import { type Chunk, type ChunkIterator, chunkLength, type ChunkSource, type ColumnsOfSchema } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { checkInt, OptionError } from '../errors.js';
import { type WindowResult, windowBlocks, type WindowTask } from './worker-tasks.js';
import { errorFromWire } from '../workers/wire.js';
import type { FileIdentity } from '../io/file.js';
import { emptyStats } from './fields.js';
import { checkIdentity, rangeFileIdentitySync } from './range-file.js';
import type { WithStats } from './parallel.js';
import { type BlockShuffleOptions, checkOptions } from '../shuffle/block.js';
import { claimReader, type RangeReader } from '../shuffle/claims.js';
import { type PartReader, windowShuffle } from '../shuffle/windows.js';
import { runCsvTask } from './parallel.js';
import { csvThreads } from './pool.js';
import { ThreadMeter, type WorkerStage } from '../stats/threads.js';
import { scaling, workerBudget, WorkerScaler } from '../stats/scaler.js';
import { CsvRanges } from './ranges.js';
import { rejectCategories } from './categorical.js';
import { readHeaderSync, readLinesSync } from './header.js';
import { GUESS_BYTES, guessColumns, numbersOnly, SAMPLE_ROWS } from './guess.js';
import { MAX_ROW_BYTES } from './lines.js';
import { type CsvFilesOptions, shuffledCsvFiles } from '../sources/csv-files.js';
import { isRemote } from '../io/remote.js';
import type { CsvColumns, CsvOptions, CsvRecord, CsvRow } from './reader.js';

export type ShuffledCsvOptions = Omit<CsvOptions, 'byteRange' | 'stats'> & Pick<CsvFilesOptions, 'shard' | 'resume'> & {
  shuffle?: BlockShuffleOptions;
  /**
   * Worker threads that read blocks (decode them and lay their rows out in a random order)
   * while this thread hands out rows; this thread reads blocks too when it is
   * idle. 'auto' (default): when the columns are numbers (given in `columns`, or else
   * guessed from the file's first rows each epoch, as csv() guesses them), no onBadRow
   * callback is set and there is more than one CPU, 1 to start with, and one more for the
   * next window each time the consumer waited more than 20% of the last 8 chunks, up to the
   * CPUs beside the consumer's (os.availableParallelism() - 1); else 0. The rows come out
   * in the same order whatever the count. A number of workers needs `columns` and no
   * onBadRow callback (a function cannot cross threads).
   */
  workers?: number | 'auto';
};

/**
 * A CSV file read in a near-uniform random order with bounded memory: `blockShuffle` over
 * byte ranges of the file (see BlockShuffleOptions). The header is read once per epoch and
 * handed to every block, so a block costs one positioned read.
 * @example
 * const ds = shuffledCsv('ratings.csv', { columns, shuffle: { seed: 1 } }).batch(1024);
 */
export function shuffledCsv<const C extends CsvColumns>(path: string, options: ShuffledCsvOptions & { columns: C }): Dataset<CsvRow<C>, ColumnsOfSchema<C>> & Partial<WithStats>;
export function shuffledCsv<R = CsvRecord>(path: string, options?: ShuffledCsvOptions): Dataset<R> & Partial<WithStats>;
export function shuffledCsv(path: string, options: ShuffledCsvOptions = {}): Dataset<CsvRecord> & Partial<WithStats> {
  const { shuffle, workers: w, ...csvOptions } = options;
  rejectCategories('shuffledCsv', csvOptions.columns);
  // Object storage, many files, shards and resumes: shuffledCsvFiles (the same workers), with
  // no receipts (this function's type offers none; shuffledCsvFiles keeps them).
  if (isRemote(path) || /[*?]/.test(path) || isDirectory(path) || options.shard !== undefined || options.resume !== undefined) {
    return shuffledCsvFiles(path, { ...csvOptions, receipts: false, ...(shuffle === undefined ? {} : { shuffle }), ...(w === undefined ? {} : { workers: w }) });
  }
  if ('byteRange' in options) throw new OptionError('shuffledCsv: byteRange is chosen per block; leave it out');
  const { auto, workers } = workerCount(w, csvOptions);
  let layout = { start: 0, header: csvOptions.header };
  const stats = emptyStats();
  let identity: FileIdentity | undefined;
  let here: CsvRanges | undefined;
  let guessed: CsvColumns | undefined; // without `columns`: the dtypes of this epoch's blocks
  const bytesNow = (): number => {
    Object.assign(stats, emptyStats());
    // Stat'ed before it is opened (a FIFO with no writer blocks open()): one identity per epoch.
    identity = rangeFileIdentitySync(path);
    layout = headerLayout(path, csvOptions);
    if (csvOptions.columns === undefined) guessed = guessColumns(path, csvOptions, layout.header, readLinesSync(path, layout.start, 2 * SAMPLE_ROWS, GUESS_BYTES));
    return identity.size - layout.start;
  };
  // Every block decodes to the same dtypes (a guess each block made of its own could differ).
  const blockOptions = (): CsvOptions => ({ ...csvOptions, header: layout.header, identity, ...(guessed === undefined ? {} : { columns: guessed }) });
  // Workers read (and deal) the next window while this thread hands out the current one;
  // then this thread claims blocks too. Every draw is seeded by block or window, so the
  // rows come out in the same order with any number of workers.
  const inWorker: PartReader<CsvRecord> = (window, spares) => {
    const transfer: ArrayBuffer[] = [];
    const task: WindowTask = {
      path,
      options: blockOptions(),
      window: { ...window, ranges: window.ranges.map(([s, e]): [number, number] => [layout.start + s, layout.start + e]) },
      spares: spares.splice(0).map((g) => g.toWire(transfer)),
    };
    return runCsvTask<WindowResult>(task, workers, undefined, transfer).then((answer) => {
      if ('error' in answer) throw errorFromWire(answer.error);
      stats.skipped += answer.skipped;
      return windowBlocks<CsvRecord>(answer, spares);
    });
  };
  let readers: PartReader<CsvRecord>[] = [];
  const readBuffers: { bytes: Buffer }[] = []; // this thread's, from epoch to epoch (CsvRanges)
  // Dataset.shard: shuffledCsvFiles deals the blocks to shards (the `shard` option).
  const shard = (count: number, index: number): Dataset<CsvRecord>['source'] => shuffledCsv(path, { ...options, shard: { count, index } }).source;
  const shuffled = windowShuffle<CsvRecord>(
    bytesNow,
    () => {
      here = new CsvRanges(path, blockOptions(), undefined, undefined, readBuffers);
      return { here: claimReader(offsetRanges(here, layout.start)), workers: (readers = Array.from({ length: numbersOnly(guessed) ? (auto?.count ?? workers) : 0 }, () => inWorker)) };
    },
    checkOptions(shuffle ?? {}),
    // The workers read the next epoch's first window early, kept for that epoch only if the
    // file is still the same. Not under onBadRow 'skip': the rows a worker skips count to the
    // epoch that reads them, and those would count to the one before.
    csvOptions.onBadRow === 'skip' ? undefined : () => JSON.stringify(identity),
  );
  const atEnd = async (rows: number): Promise<void> => {
    await checkIdentity(path, identity!); // a file changed since the epoch began: never a short or mixed epoch
    Object.assign(stats, { rows, skipped: stats.skipped + (here?.skipped ?? 0), bytes: identity!.size, complete: true });
  };
  const open: ChunkSource<CsvRecord>['open'] = (epoch, opts) => checkedAtEnd(shuffled.source.open(epoch, opts), atEnd);
  if (workers === 0) return Object.assign(new Dataset<CsvRecord>({ ...shuffled.source, open, shard }), { stats });
  const meter = new ThreadMeter(() => csvThreads(workers));
  if (auto !== undefined) meter.budget = auto.budget;
  const source: ChunkSource<CsvRecord> & WorkerStage = {
    stageName: 'shuffledCsv',
    workerStats: () => meter.stats(),
    size: undefined,
    shard,
    recycle: shuffled.source.recycle,
    open: (epoch, opts) => {
      const it = open(epoch, opts);
      // One more reader from the next window on (the latest epoch's list of readers).
      return meter.epoch(auto === undefined ? it : auto.watch(it, () => numbersOnly(guessed) && readers.push(inWorker)));
    },
  };
  return Object.assign(new Dataset<CsvRecord>(source), { stats });
}

/** The epoch's chunks, then `atEnd(rows)` once they ran out (its error ends the epoch). */
async function* checkedAtEnd<T>(inner: ChunkIterator<T>, atEnd: (rows: number) => Promise<void>): AsyncGenerator<Chunk<T>, undefined> {
  let rows = 0;
  try {
    for (;;) {
      const r = await inner.next();
      if (r.done) break;
      rows += chunkLength(r.value);
      yield r.value;
    }
    await atEnd(rows);
  } finally {
    await inner.return?.();
  }
  return undefined;
}

/** The worker threads an epoch starts with (and under 'auto', what adds more), after the checks a count needs. */
function workerCount(w: ShuffledCsvOptions['workers'], options: CsvOptions): { auto: WorkerScaler | undefined; workers: number } {
  const auto = (w ?? 'auto') === 'auto' && typeof options.onBadRow !== 'function' ? autoScaler() : undefined;
  const workers = (w ?? 'auto') === 'auto' ? (auto?.budget ?? 0) : checkInt('shuffledCsv', 'workers', w, 0);
  if (auto === undefined && workers > 0 && options.columns === undefined) throw new OptionError('shuffledCsv: workers need `columns` (every block must decode to the same dtypes)');
  if (workers > 0 && typeof options.onBadRow === 'function') throw new OptionError("shuffledCsv: workers take onBadRow 'error' or 'skip', not a callback");
  return { auto, workers };
}

/** workers: 'auto' with more than one CPU: 1 to start, up to the budget; undefined (no worker) with one CPU. */
function autoScaler(): WorkerScaler | undefined {
  return scaling.cpus() > 0 ? new WorkerScaler(workerBudget(64 << 20)) : undefined;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // a missing file fails when the epoch starts, as before
  }
}

/** `ranges` read at offsets counted from `start` (the first byte after the header). */
function offsetRanges(ranges: CsvRanges, start: number): RangeReader<CsvRecord> {
  return {
    read: (s, e) => ranges.read(start + s, start + e),
    readDealt: (s, e, block, dealer) => ranges.readDealt(start + s, start + e, block, dealer),
    recycle: (chunks) => ranges.recycle(chunks),
    close: () => ranges.close(),
  };
}

/** Where the rows start, and the column names every block needs (read once per epoch). */
function headerLayout(path: string, options: CsvOptions): { start: number; header: CsvOptions['header'] } {
  if (options.header === false || Array.isArray(options.header)) return { start: 0, header: options.header };
  const { names, start } = readHeaderSync(path, options.delimiter ?? ',', options.maxRowBytes ?? MAX_ROW_BYTES);
  return { start, header: names ?? false }; // no names: an empty file (or blank lines), no rows to read
}
