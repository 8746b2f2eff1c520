import { open, stat } from 'node:fs/promises';
import { Piscina } from 'piscina';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { type Chunk, CHUNK_SIZE, type ChunkIterator, ColumnChunk, type ColumnsOfSchema, type NumericArray, type NumericDType, type NumericRecord, type RowOf, type Schema, splitChunk } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { checkInt, describe as describeValue, OptionError, StageError } from '../errors.js';
import { fileFingerprint } from '../io/fingerprint.js';
import type { StreamTask, WindowTask } from './worker-tasks.js';
import { fromWire, type WireChunk } from '../workers/wire.js';
import { csv, type CsvColumns, type CsvOptions } from './reader.js';
import { rejectCategories } from './categorical.js';
import { FileError } from '../io/file.js';
import { workerUrl } from '../worker-url.js';

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

const WORKER = workerUrl('csv-worker');

/**
 * Pools by thread count, shared by every csvParallel epoch of the process: a thread starts
 * once (loading the decoder is most of a short epoch's cost) and serves the epochs that
 * follow. An idle thread is unref'd (it never keeps the process alive) and exits after
 * IDLE_MS; an epoch left early aborts its tasks, which ends the threads running them.
 */
const pools = new Map<number, Piscina>();
const IDLE_MS = 30_000;

function sharedPool(workers: number): Piscina {
  let pool = pools.get(workers);
  if (pool === undefined) {
    pool = new Piscina({ filename: WORKER, minThreads: 0, maxThreads: workers, concurrentTasksPerWorker: 1, idleTimeout: IDLE_MS });
    pool.on('error', () => undefined); // reported through the task that was running
    pools.set(workers, pool);
  }
  return pool;
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
export function csvParallel<const C extends Readonly<Record<string, NumericDType>>>(path: string, options: CsvParallelOptions & { columns: C }): Dataset<RowOf<ColumnsOfSchema<C>>, ColumnsOfSchema<C>>;
export function csvParallel<R extends object = NumericRecord>(path: string, options?: CsvParallelOptions): Dataset<R>;
export function csvParallel(path: string, options: CsvParallelOptions = {}): Dataset<NumericRecord> {
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
  const source = {
    get size() {
      return knownSize;
    },
    get schema() {
      return schema;
    },
    open: () => {
      const it = new RangeIterator<NumericRecord>(path, csvOptions, workers, rangeBytes, order, (s) => (schema = s), (n) => (knownSize = n));
      return it;
    },
    fingerprint: () => fileFingerprint(path, { ...csvOptions, reader: 'csv' }),
  };
  return new Dataset<NumericRecord>(source);
}

/** Runs one task of the csv worker (a range or a shuffle window) on the shared threads. */
export function runCsvTask<R>(task: WindowTask | StreamTask, workers: number, signal?: AbortSignal, transferList?: ArrayBuffer[]): Promise<R> {
  return sharedPool(workers).run(task, { ...(signal === undefined ? {} : { signal }), ...(transferList === undefined ? {} : { transferList }) }) as Promise<R>;
}

/**
 * The byte ranges [start, end) that cover a file of `size` bytes: `rangeBytes` each, but the
 * first ones smaller (from FIRST_RANGE, doubling), so that the first rows reach the consumer
 * after a small range is decoded, not a whole one (a range is handed on once decoded).
 */
export function splitRanges(size: number, rangeBytes: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0, length = Math.min(FIRST_RANGE, rangeBytes); s < size; s += length, length = Math.min(2 * length, rangeBytes)) {
    out.push([s, Math.min(size, s + length)]);
  }
  if (out.length === 0) out.push([0, 0]);
  return out;
}

const FIRST_RANGE = 512 << 10;

/** One range's chunks (its index in the file's ranges), or the error that stopped its reader. */
type Arrival = { range: number; arena: number; chunks: WireChunk[] } | { range: number; error: string };

/**
 * One epoch of csvParallel. Each worker runs one task for the whole epoch (csv-worker's
 * streamRanges): it claims the next range from a counter in shared memory, reads the one
 * after while it decodes, decodes into an arena of this thread's (copied out on arrival),
 * and posts each range on a port of its own, never waiting on this thread to be handed more
 * work. A task per range costs a round trip through this thread between ranges and leaves
 * each range's first read unhidden: a quarter of a worker's time here. Workers stay at most
 * 2 × workers + 1 ranges ahead of the consumer (a second counter, `delivered`), so memory
 * stays bounded.
 */
class RangeIterator<R> implements ChunkIterator<R> {
  private ranges: [number, number][] | undefined;
  private columns: CsvColumns | undefined;
  private names: string[] | undefined;
  private claims = new Int32Array(new SharedArrayBuffer(4));
  private delivered = new Int32Array(new SharedArrayBuffer(4));
  /** Shared memory the workers decode ranges into, copied out here on arrival (ColumnArena). */
  private arenas: SharedArrayBuffer[] = [];
  private arenaUse: Int32Array = new Int32Array(0);
  private ports: MessagePort[] = [];
  private tasks: Promise<unknown>[] = [];
  /** Ranges arrived, not yet handed out. */
  private arrived = new Map<number, Chunk<R>[]>();
  /** Ranges being handed out: one (file order) or up to `workers` taken in turn (interleave). */
  private ready: Chunk<R>[][] = [];
  private turn = 0;
  private handed = 0;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private rows = 0;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly options: Omit<CsvParallelOptions, 'workers' | 'rangeBytes' | 'order'>,
    private readonly workers: number,
    private readonly rangeBytes: number,
    private readonly order: 'file' | 'interleave',
    private readonly onSchema: (s: Schema) => void,
    private readonly onSize: (n: number) => void,
  ) {}

  async next(): Promise<IteratorResult<Chunk<R>, undefined>> {
    if (this.closed) return { done: true, value: undefined };
    try {
      if (this.ranges === undefined) await this.start();
      for (;;) {
        const chunk = this.take();
        if (chunk !== undefined) {
          this.rows += chunk instanceof Array ? chunk.length : chunk.size;
          return { done: false, value: chunk };
        }
        if (this.failure !== undefined) throw this.failure;
        if (this.handed === this.ranges!.length && this.ready.length === 0) {
          await Promise.all(this.tasks); // every reader has closed its file
          this.onSize(this.rows);
          await this.close();
          return { done: true, value: undefined };
        }
        if (!this.bringIn()) await this.arrival();
        else if (this.order === 'interleave' && this.ready.length < this.workers && this.handed < this.ranges!.length) {
          // A group of `workers` ranges alternates: wait for the whole group (the same mix every time).
          while (this.ready.length < this.workers && this.handed < this.ranges!.length && this.failure === undefined) {
            if (!this.bringIn()) await this.arrival();
          }
        }
      }
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  async return(): Promise<IteratorResult<Chunk<R>, undefined>> {
    await this.close();
    return { done: true, value: undefined };
  }

  /** Settles the schema in this thread, so every range decodes to the same dtypes; starts the readers. */
  private async start(): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.path)).size;
    } catch (e) {
      throw new FileError(this.path, e);
    }
    this.columns = this.options.columns;
    if (this.columns === undefined) {
      const probe = csv(this.path, { ...this.options, byteRange: [0, Math.min(size, 1 << 20)] } as CsvOptions);
      const it = probe.chunks()[Symbol.asyncIterator]();
      try {
        await it.next();
      } finally {
        await it.return?.();
      }
      this.columns = probe.schema;
    }
    if (this.columns !== undefined) this.onSchema(this.columns as Schema); // no category columns here (rejected when built)
    // Only the range at byte 0 holds the header line: the others get its names, so that
    // each task does not read the file's start again to find them.
    if ((this.options.header ?? true) === true && size > 0) this.names = await headerNames(this.path, this.options);
    const ranges = splitRanges(size, this.rangeBytes);
    this.ranges = ranges;
    const options = { ...this.options, columns: this.columns } as CsvOptions;
    const readers = Math.min(this.workers, ranges.length);
    await this.makeArenas(size, readers);
    for (let w = 0; w < readers; w++) {
      const { port1, port2 } = new MessageChannel();
      port1.on('message', (m: Arrival) => this.arrive(m));
      port1.unref(); // held (ref) only while the consumer waits on it: see arrival()
      this.ports.push(port1);
      const names = this.names ?? (Array.isArray(this.options.header) ? [...this.options.header] : undefined);
      const task: StreamTask = { path: this.path, options, names, ranges, claims: this.claims, delivered: this.delivered, ahead: 2 * this.workers + 1, port: port2, arenas: this.arenas, arenaUse: this.arenaUse };
      const done = runCsvTask(task, this.workers, undefined, [port2 as unknown as ArrayBuffer]).catch((error: unknown) => {
        this.fail(new StageError(`csvParallel '${this.path}'`, undefined, error));
      });
      this.tasks.push(done);
    }
  }

  private arrive(m: Arrival): void {
    const [start, end] = this.ranges![m.range]!;
    if ('error' in m) {
      this.fail(rangeError(this.path, start, end, new Error(m.error)));
      return;
    }
    const chunkRows = this.options.chunkRows ?? CHUNK_SIZE;
    let chunks = m.chunks.map((w) => fromWire<R>(w));
    if (m.arena >= 0) {
      // Copied out at once (the consumer owns what it gets), and the arena is free again.
      chunks = chunks.map(ownColumns);
      Atomics.store(this.arenaUse, m.arena, 0);
    }
    chunks = chunks.flatMap((c) => splitChunk(c, chunkRows));
    this.arrived.set(m.range, chunks);
    this.wake?.();
  }

  /**
   * Waits for the next range (or a failure). The ports hold the process open only while
   * the consumer waits here: an epoch its consumer left (without return()) never does.
   */
  private async arrival(): Promise<void> {
    for (const port of this.ports) port.ref();
    try {
      await new Promise<void>((resolve) => (this.wake = resolve));
    } finally {
      for (const port of this.ports) port.unref();
    }
  }

  /**
   * One arena for each range that may be in flight (a decoding and a read-ahead range per
   * reader, and those waiting to be handed out), sized from the rows per byte of the
   * file's first 256 KiB; none when a column is not numeric or there is no header name to
   * give the workers (those ranges go through csv(), which allocates its own).
   */
  private async makeArenas(size: number, readers: number): Promise<void> {
    const columns = this.columns;
    const names = this.names ?? (Array.isArray(this.options.header) ? this.options.header : undefined);
    if (columns === undefined || names === undefined || this.options.engine === 'general' || Object.values(columns).includes('string')) return;
    const sample = Buffer.alloc(Math.min(size, 256 << 10));
    const file = await open(this.path, 'r').catch((e: unknown) => Promise.reject(new FileError(this.path, e)));
    let lines = 0;
    try {
      const { bytesRead } = await file.read(sample, 0, sample.length, 0);
      for (let i = sample.indexOf(10); i >= 0 && i < bytesRead; i = sample.indexOf(10, i + 1)) lines++;
    } finally {
      await file.close();
    }
    const rowBytes = Object.values(columns).reduce((n, d) => n + (d === 'float64' ? 8 : 4), 0);
    const largest = Math.min(size, this.rangeBytes);
    const bytes = Math.ceil(((largest * Math.max(lines, 1)) / sample.length) * rowBytes * 1.25) + (64 << 10);
    const count = 3 * readers + 1;
    this.arenas = Array.from({ length: count }, () => new SharedArrayBuffer(bytes));
    this.arenaUse = new Int32Array(new SharedArrayBuffer(4 * count));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.wake?.();
  }

  /**
   * Moves arrived ranges, in file order whatever order they came in, to `ready`: one at a
   * time (file order) or up to `workers` whose chunks alternate (interleave). False if the
   * next range has not come yet.
   */
  private bringIn(): boolean {
    let moved = false;
    const want = this.order === 'file' ? 1 : this.workers;
    while (this.ready.length < want && this.handed < this.ranges!.length) {
      const chunks = this.arrived.get(this.handed);
      if (chunks === undefined) break;
      this.arrived.delete(this.handed++);
      moved = true;
      if (chunks.length > 0) this.ready.push(chunks);
      else this.deliver(); // an empty range is handed out at once
    }
    return moved;
  }

  /** A range is handed out whole: the readers may go one range further. */
  private deliver(): void {
    Atomics.add(this.delivered, 0, 1);
    Atomics.notify(this.delivered, 0);
  }

  private take(): Chunk<R> | undefined {
    if (this.ready.length === 0) return undefined;
    this.turn = this.order === 'file' ? 0 : this.turn % this.ready.length;
    const list = this.ready[this.turn]!;
    const chunk = list.shift();
    if (list.length === 0) {
      this.ready.splice(this.turn, 1);
      this.deliver();
    } else if (this.order === 'interleave') this.turn++;
    return chunk;
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // No reader claims another range, and none waits for room: they finish the ranges in
    // hand (and close their files) and end.
    if (this.ranges !== undefined) Atomics.store(this.claims, 0, this.ranges.length);
    Atomics.store(this.delivered, 0, 1 << 30);
    Atomics.notify(this.delivered, 0);
    await Promise.all(this.tasks);
    for (const port of this.ports) port.close();
    this.arrived.clear();
    this.ready = [];
  }
}


/** The header line's fields, parsed by csv() itself (quotes, BOM, delimiter) as the one row starting at byte 0. */
async function headerNames(path: string, options: CsvOptions): Promise<string[] | undefined> {
  const { columns: _c, header: _h, onBadRow: _b, ...rest } = options;
  const rows = await csv<Record<string, string>>(path, { ...rest, header: false, byteRange: [0, 1], engine: 'general' }).toArray();
  const first = rows[0];
  return first === undefined ? undefined : Object.keys(first).map((k) => String(first[k]));
}

/** A worker's error, named after the range; a DataError keeps its message (file, line, raw row). */
function rangeError(path: string, start: number, end: number, error: unknown): Error {
  return new StageError(`csvParallel '${path}' bytes [${start}, ${end})`, undefined, error);
}

/** The chunk with its columns in memory of its own (they were views of an arena). */
function ownColumns<T>(chunk: Chunk<T>): Chunk<T> {
  if (!(chunk instanceof ColumnChunk)) return chunk;
  const columns: Record<string, NumericArray> = {};
  for (const name in chunk.columns) {
    const column = chunk.columns[name]!;
    columns[name] = column.buffer instanceof SharedArrayBuffer ? (column.slice() as NumericArray) : column; // past the arena's end: its own already
  }
  return new ColumnChunk<T>(chunk.size, columns);
}
