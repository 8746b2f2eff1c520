// CSV files, local or in object storage, one file or many, read as one block-shuffled
// dataset: the files' data bytes (after each header) are laid end to end, cut into blocks,
// and the block shuffle draws blocks across all of them. Blocks can be dealt to shards, and
// a shard can say where it stands (a few numbers) and what it delivered (a receipt).
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { takeHeader } from '../csv/header.js';
import { bomLength } from '../csv/lines.js';
import { GUESS_BYTES, guessColumns, numbersOnly } from '../csv/guess.js';
import { openPart, type PartWire, PartsReader } from '../csv/parts-reader.js';
import { runCsvTask } from '../csv/pool.js';
import { type WindowResult, windowBlocks, type WindowTask } from '../csv/worker-tasks.js';
import type { CsvColumns, CsvOptions, CsvRecord, CsvRow } from '../csv/reader.js';
import { Dataset } from '../dataset.js';
import { checkInt, OptionError, SluiceError } from '../errors.js';
import { listFiles } from '../io/listing.js';
import { FileError } from '../io/file.js';
import { rangeFileIdentity } from '../csv/range-file.js';
import { errorFromWire } from '../workers/wire.js';
import { objectStore, type ObjectStore, type ObjectStoreOptions } from '../io/object-store.js';
import { isRemote, RemoteObject } from '../io/remote.js';
import { checkOptionNames } from '../options.js';
import { mixSeed } from '../random.js';
import { type BlockShuffleOptions, checkOptions } from '../shuffle/block.js';
import { claimReader } from '../shuffle/claims.js';
import { Coverage, type Receipt } from '../shuffle/coverage.js';
import { type Delivery, deliver, equalTarget, receiptAt } from '../shuffle/equal-batches.js';
import { checkResume, type Cursor, type JobPosition, type Layout, planShards, type ShardPosition, type ShardSpec } from '../shuffle/shard-plan.js';
import { type PartReader, type PlannedWindow, windowShuffle } from '../shuffle/windows.js';

export interface CsvFilesOptions extends Omit<CsvOptions, 'byteRange' | 'stats' | 'store'> {
  shuffle?: BlockShuffleOptions;
  /**
   * Read only shard `index` of `count`: blocks dealt by (seed, epoch, count, index), ≈1/count
   * of the bytes. With `batchSize`, every shard hands out the same number of rows, in whole
   * batches (remainder policy: see equal-batches.ts; `receipt()` counts rows dropped and repeated).
   */
  shard?: ShardSpec & { batchSize?: number };
  /** Resume epoch `resume.epoch` from a job's position (joinPositions of every shard's `position()`), with any shard count. */
  resume?: JobPosition;
  /** Object storage: credentials, endpoint, concurrency, retries, block cache. */
  store?: ObjectStoreOptions;
  /**
   * Worker threads that fetch and decode blocks (and lay their rows out in a random order)
   * while this thread hands out rows; this thread reads blocks too when idle.
   * 'auto' (default): 1 when the columns are numbers (given in `columns`, or else guessed
   * from the first file's first rows each epoch, as csv() guesses them), no onBadRow callback
   * is set and there is more than one CPU, else 0. The rows come out in the same order
   * whatever the count.
   * Each thread keeps up to the store's `concurrency` requests in flight.
   */
  workers?: number | 'auto';
  /**
   * Digest every row handed out, for `receipt()` (default true). The digest runs on the
   * loader's thread, a few ns per value; false skips it (`receipt()` then throws).
   */
  receipts?: boolean;
}

const HEAD_BYTES = 64 << 10;

/**
 * A block-shuffled dataset of CSV files that knows where it stands.
 * @example
 * const rank = Number(process.env['RANK'] ?? 0);
 * const ratings = shuffledCsvFiles('s3://bucket/ratings/', { columns, shard: { count: 4, index: rank } });
 * for await (const chunk of ratings.chunks({ epoch: 0 })) train(chunk);
 * save(JSON.stringify(ratings.position())); // and ratings.receipt() for the coverage check
 */
export class CsvFilesDataset<T> extends Dataset<T> {
  constructor(
    source: Dataset<T>['source'],
    private readonly state: EpochState,
  ) {
    super(source);
  }

  /**
   * Where this shard stands in its current (or last) epoch after `consumed` rows of it
   * (default: every row handed out so far). Join every shard's with joinPositions to resume.
   */
  position(consumed = this.state.delivered): ShardPosition {
    const s = this.state;
    if (s.layout === undefined) throw new SluiceError('position(): no epoch has started');
    if (!Number.isInteger(consumed) || consumed < 0 || consumed > s.delivered) throw new OptionError(`position(): consumed must be an integer in [0, ${s.delivered}], got ${consumed}`);
    const cursor: Cursor = { window: 0, row: consumed };
    while (cursor.window < s.windowRows.length && cursor.row >= s.windowRows[cursor.window]! && (cursor.row > 0 || s.windowRows[cursor.window] === 0)) {
      cursor.row -= s.windowRows[cursor.window]!;
      cursor.window++;
    }
    return { seed: s.seed, epoch: s.epoch, layout: s.layout, index: s.index, cursor };
  }

  /** The coverage receipt of the first `consumed` rows of the current (or last) epoch (default: all handed out). */
  receipt(consumed = this.state.delivered): Receipt & { epoch: number; shard: ShardSpec; dropped: Receipt; repeated: number } {
    const s = this.state;
    if (s.coverage instanceof NoCoverage) throw new OptionError('receipt(): this dataset was built with receipts: false (shuffledCsv builds it so; shuffledCsvFiles keeps receipts)');
    return { ...receiptAt(s, consumed).receipt(), epoch: s.epoch, shard: { count: s.layout?.count ?? 1, index: s.index }, dropped: s.dropped.receipt(), repeated: s.repeated };
  }

  /** Rows every shard hands out this epoch (with `shard.batchSize`), else undefined. */
  get target(): number | undefined {
    return this.state.target;
  }
}

interface EpochState extends Delivery {
  seed: number;
  epoch: number;
  index: number;
  layout: Layout | undefined;
  windowRows: number[];
  target: number | undefined;
}

/**
 * CSV files as one block-shuffled dataset: `spec` is a path, an s3:// object, an http(s) URL,
 * a directory, a glob (`data/part-*.csv`), an `s3://bucket/prefix/`, or a list of these. The
 * files must share one header (a file whose header differs is an error naming it). Remote
 * blocks are range GETs (see ObjectStoreOptions); objects are pinned by ETag per epoch.
 * Blocks are fetched and decoded on csv worker threads (`workers`) as for a local file.
 * @example
 * const ds = shuffledCsvFiles(['a.csv', 'b.csv'], { columns: { id: 'int32' }, shuffle: { seed: 1 } }).batch(1024);
 */
export function shuffledCsvFiles<const C extends CsvColumns>(spec: string | readonly string[], options: CsvFilesOptions & { columns: C }): CsvFilesDataset<CsvRow<C>>;
export function shuffledCsvFiles<R = CsvRecord>(spec: string | readonly string[], options?: CsvFilesOptions): CsvFilesDataset<R>;
export function shuffledCsvFiles(spec: string | readonly string[], options: CsvFilesOptions = {}): CsvFilesDataset<CsvRecord> {
  checkOptionNames('shuffledCsvFiles', options, ['shuffle', 'shard', 'resume', 'store', 'workers', 'receipts', 'header', 'delimiter', 'columns', 'onBadRow', 'engine', 'chunkBytes', 'chunkRows']);
  const { shuffle, shard, resume, store: storeOptions = {}, workers: w, receipts = true, ...csvOptions } = options;
  const workers = checkWorkers(w, csvOptions);
  if ('byteRange' in options) throw new OptionError('shuffledCsvFiles: byteRange is chosen per block; leave it out');
  const settings = checkOptions(shuffle ?? {});
  const store = objectStore(storeOptions);
  const spec0 = checkShard(shard, resume);
  let parts: PartWire[] = [];
  let header: CsvOptions['header'] = csvOptions.header;
  const digest = (): Coverage => (receipts ? new Coverage() : new NoCoverage());
  const fresh = (): Delivery => ({ delivered: 0, coverage: digest(), dropped: digest(), repeated: 0, recent: [] });
  const state: EpochState = { seed: settings.seed, epoch: 0, index: spec0.index, layout: undefined, windowRows: [], target: undefined, ...fresh() };
  let rowsPerByte = 0;
  let total = 0;
  let guessed: CsvColumns | undefined; // without `columns`: the dtypes of this epoch's blocks
  const bytesNow = async (): Promise<number> => {
    ({ parts, header } = await layoutOf(spec, csvOptions, store));
    total = parts.reduce((n, p) => n + p.size - p.start, 0);
    const first = parts.find((p) => p.size > p.start) ?? parts[0]!; // the first file with rows
    if (csvOptions.columns === undefined) guessed = guessColumns(first.name, csvOptions, header, await firstRows(first, storeOptions));
    if (spec0.batchSize !== undefined) rowsPerByte = await probeDensity(parts[0]!, storeOptions);
    return total;
  };
  const plan = (epoch: number, orderEpoch: number, blocks: number): PlannedWindow[] => {
    const { blockBytes, openBlocks, seed } = settings;
    let layout: Layout = { count: spec0.count, blocks, blockBytes, openBlocks };
    if (resume !== undefined && epoch === resume.epoch) {
      checkResume(resume, seed, blockBytes, openBlocks, blocks);
      layout = { ...layout, from: resume };
    }
    const shards = planShards(layout, mixSeed(seed, orderEpoch));
    const target = spec0.batchSize === undefined ? undefined : equalTarget(shards, (b) => Math.min(total, (b + 1) * blockBytes) - b * blockBytes, rowsPerByte, spec0.batchSize);
    Object.assign(state, { epoch, layout, windowRows: [], target, ...fresh() });
    return shards[spec0.index]!.map((w, i) => ({ ...w, onRows: (rows: number) => (state.windowRows[i] = rows) }));
  };
  // Every block decodes to the same dtypes: the columns given, or those csv() guesses from the first file's first rows.
  const blockOptions = (): CsvOptions => ({ ...csvOptions, header, ...(guessed === undefined ? {} : { columns: guessed }) });
  // Workers fetch, decode and deal the next window while this thread hands out the current one.
  const inWorker: PartReader<CsvRecord> = (window, spares) => {
    const transfer: ArrayBuffer[] = [];
    const files = { parts, store: storeOptions, blockBytes: settings.blockBytes };
    const task: WindowTask = { path: parts[0]!.name, options: blockOptions(), window, spares: spares.splice(0).map((g) => g.toWire(transfer)), files };
    return runCsvTask<WindowResult>(task, workers, undefined, transfer).then((r) => {
      if ('error' in r) throw errorFromWire(r.error);
      for (const k of ['requests', 'retries', 'bytes'] as const) store.counters[k] += r.counters?.[k] ?? 0;
      return windowBlocks<CsvRecord>(r, spares);
    });
  };
  const readers = (): { here: PartReader<CsvRecord>; workers: PartReader<CsvRecord>[] } => ({
    here: claimReader(new PartsReader(parts, blockOptions(), storeOptions, settings.blockBytes)),
    workers: Array.from({ length: numbersOnly(guessed) ? workers : 0 }, () => inWorker),
  });
  const inner = windowShuffle<CsvRecord>(bytesNow, readers, { ...settings, plan });
  // Dataset.shard deals blocks as the `shard` option does; a shard of a shard composes (block positions i1 + c1·i2 mod c1·c2).
  const pushdown = (count: number, index: number): CsvFilesDataset<CsvRecord>['source'] =>
    shuffledCsvFiles(spec, { ...options, shard: { count: spec0.count * count, index: spec0.index + spec0.count * index } }).source;
  const open: CsvFilesDataset<CsvRecord>['source']['open'] = (epoch, openOptions) => deliver(inner.source.open(epoch, openOptions), state, () => state.target);
  return new CsvFilesDataset<CsvRecord>({ size: undefined, open, ...(spec0.batchSize === undefined && resume === undefined ? { shard: pushdown } : {}) }, state);
}

/** A digest of nothing, for a dataset built with receipts: false (nobody reads its receipts). */
class NoCoverage extends Coverage {
  override add(): void {}
}

function checkWorkers(w: number | 'auto' | undefined, o: CsvOptions): number {
  if ((w ?? 'auto') === 'auto') return typeof o.onBadRow !== 'function' && availableParallelism() > 1 ? 1 : 0;
  const workers = checkInt('shuffledCsvFiles', 'workers', w, 0);
  if (workers > 0 && o.columns === undefined) throw new OptionError('shuffledCsvFiles: workers need `columns` (every block must decode to the same dtypes)');
  if (workers > 0 && typeof o.onBadRow === 'function') throw new OptionError("shuffledCsvFiles: workers take onBadRow 'error' or 'skip', not a callback");
  return workers;
}

function checkShard(shard: (ShardSpec & { batchSize?: number }) | undefined, resume: JobPosition | undefined): ShardSpec & { batchSize?: number } {
  if (shard === undefined) return { count: 1, index: 0 };
  checkOptionNames('shuffledCsvFiles shard', shard, ['count', 'index', 'batchSize']);
  const batchSize = shard.batchSize === undefined ? undefined : checkInt('shuffledCsvFiles', 'shard.batchSize', shard.batchSize, 1);
  const count = checkInt('shuffledCsvFiles', 'shard.count', shard.count, 1);
  const index = checkInt('shuffledCsvFiles', 'shard.index', shard.index, 0);
  if (index >= count) throw new OptionError(`shuffledCsvFiles: shard.index must be < shard.count (${count}), got ${index}`);
  if (resume !== undefined && (typeof resume !== 'object' || !Array.isArray(resume.cursors))) throw new OptionError('shuffledCsvFiles: resume must be a JobPosition (joinPositions of every shard position)');
  return { count, index, ...(batchSize === undefined ? {} : { batchSize }) };
}

/** Rows per byte of the first 64 KiB of data (the same bytes for every shard). */
async function probeDensity(part: PartWire, store: ObjectStoreOptions): Promise<number> {
  const bytes = await readStart(part, store, HEAD_BYTES);
  let rows = 0;
  for (let at = bytes.indexOf(0x0a); at >= 0; at = bytes.indexOf(0x0a, at + 1)) rows++;
  return bytes.length > 0 ? rows / bytes.length : 0;
}

/** The text of a file's first rows (whole lines, up to GUESS_BYTES after its header), for a guess of its dtypes. */
async function firstRows(part: PartWire, store: ObjectStoreOptions): Promise<string> {
  const bytes = await readStart(part, store, GUESS_BYTES);
  const end = part.start + bytes.length >= part.size ? bytes.length : bytes.lastIndexOf(0x0a) + 1;
  return bytes.toString('utf8', part.start === 0 ? bomLength(bytes.subarray(0, end)) : 0, end);
}

/** Up to `max` bytes of a file's data (from its first row), in one read. */
async function readStart(part: PartWire, store: ObjectStoreOptions, max: number): Promise<Buffer> {
  const reader = await openPart(part, store)();
  try {
    const bytes = Buffer.alloc(Math.min(max, part.size - part.start));
    const { bytesRead } = await reader.read(bytes, 0, bytes.length, part.start);
    return bytes.subarray(0, bytesRead);
  } finally {
    await reader.close();
  }
}

/** The epoch's files: listed, pinned, their headers read and checked to agree. */
async function layoutOf(spec: string | readonly string[], options: CsvOptions, store: ObjectStore): Promise<{ parts: PartWire[]; header: CsvOptions['header'] }> {
  const files = await listFiles(spec, store);
  if (files.length === 0) {
    const what = new Error('no files match (an empty directory, or a pattern that matches nothing)');
    throw typeof spec === 'string' ? new FileError(spec, what, 'list') : new SluiceError(`no files match ${JSON.stringify(spec)}`);
  }
  const heads = await Promise.all(
    files.map(async (f) => {
      if (isRemote(f.name)) {
        const object = new RemoteObject(f.name, store);
        const { etag } = await object.stat(f.etag === undefined ? undefined : { size: f.size, etag: f.etag });
        // A small first read: most headers fit; a longer one is read again, larger.
        let head = await object.read(0, 1024);
        for (let want = 8192; head.indexOf(0x0a) < 0 && head.length < f.size && want <= HEAD_BYTES; want *= 4) head = await object.read(0, want);
        return { head, etag, identity: undefined };
      }
      const identity = await rangeFileIdentity(f.name); // stat'ed before it is opened: a FIFO would block open()
      const file = await open(f.name, 'r');
      try {
        const head = Buffer.alloc(Math.min(HEAD_BYTES, f.size));
        await file.read(head, 0, head.length, 0);
        return { head, etag: undefined, identity };
      } finally {
        await file.close();
      }
    }),
  );
  const readHeaders = options.header === undefined || options.header === true;
  const headers = readHeaders ? await Promise.all(files.map((f, i) => headerOf(heads[i]!.head, f.name, f.size, options.delimiter ?? ','))) : undefined;
  let names: string[] | undefined;
  let offset = 0;
  const parts = files.map((f, i): PartWire => {
    const { etag, identity } = heads[i]!;
    let start = 0;
    if (headers !== undefined) {
      const these = headers[i]!;
      start = these.start;
      if (names === undefined) names = these.names ?? [];
      else if ((these.names ?? []).join('\u0000') !== names.join('\u0000')) throw new SluiceError(`'${f.name}': its header (${(these.names ?? []).join(', ')}) differs from '${files[0]!.name}' (${names.join(', ')})`);
    }
    const part = { name: f.name, start, size: f.size, offset, ...(etag === undefined ? {} : { etag }), ...(identity === undefined ? {} : { identity }) };
    offset += f.size - start;
    return part;
  });
  return { parts, header: names ?? options.header };
}

/** A file's header from its first bytes, through the one quote-aware header reader (csv/header.ts). */
async function headerOf(head: Buffer, name: string, size: number, delimiter: string): Promise<{ names: string[] | undefined; start: number }> {
  const bom = bomLength(head);
  let given = false;
  const header = await takeHeader(async () => (given ? undefined : ((given = true), head.subarray(bom))), name, delimiter, HEAD_BYTES);
  const start = bom + header.bytes;
  if (head.length < size && head[start - 1] !== 0x0a) throw new SluiceError(`'${name}': the header line is longer than ${HEAD_BYTES} bytes`);
  return { names: header.names, start };
}
