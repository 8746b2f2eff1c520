import { stat } from 'node:fs/promises';
import { Piscina } from 'piscina';
import { type Chunk, type ChunkIterator, type NumericRecord, type Schema } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { checkInt, describe as describeValue, OptionError, StageError } from '../errors.js';
import { fileFingerprint } from '../stages/cache-fingerprint.js';
import type { CsvTask, WindowTask } from '../workers/csv-worker.js';
import { fromWire, type WireChunk } from '../workers/wire.js';
import { csv, type CsvColumns, type CsvOptions } from './csv.js';
import { FileError } from './file.js';

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

const WORKER = new URL(`../workers/csv-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

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
export function csvParallel<R extends object = NumericRecord>(path: string, options: CsvParallelOptions = {}): Dataset<R> {
  if (typeof path !== 'string' || path === '') throw new OptionError(`csvParallel: path must be a non-empty string, got ${describeValue(path)}`);
  const workers = checkInt('csvParallel', 'workers', options.workers ?? 2, 1);
  const rangeBytes = checkInt('csvParallel', 'rangeBytes', options.rangeBytes ?? 8 << 20, 1);
  const order = options.order ?? 'file';
  if (order !== 'file' && order !== 'interleave') throw new OptionError(`csvParallel: order must be 'file' or 'interleave', got ${describeValue(order)}`);
  if (options.onBadRow !== undefined && options.onBadRow !== 'error' && options.onBadRow !== 'skip') {
    throw new OptionError(`csvParallel: onBadRow must be 'error' or 'skip' (a callback cannot run in a worker), got ${describeValue(options.onBadRow)}`);
  }
  const { workers: _w, rangeBytes: _r, order: _o, ...csvOptions } = options;
  let schema: Schema | undefined = options.columns;
  let knownSize: number | undefined;
  const source = {
    get size() {
      return knownSize;
    },
    get schema() {
      return schema;
    },
    open: () => {
      const it = new RangeIterator<R>(path, csvOptions, workers, rangeBytes, order, (s) => (schema = s), (n) => (knownSize = n));
      return it;
    },
    fingerprint: () => fileFingerprint(path, { ...csvOptions, reader: 'csv' }),
  };
  return new Dataset<R>(source);
}

/** Runs one task of the csv worker (a range or a shuffle window) on the shared threads. */
export function runCsvTask<R>(task: CsvTask | WindowTask, workers: number, signal?: AbortSignal, transferList?: ArrayBuffer[]): Promise<R> {
  return sharedPool(workers).run(task, { ...(signal === undefined ? {} : { signal }), ...(transferList === undefined ? {} : { transferList }) }) as Promise<R>;
}

/** The byte ranges [start, end) that cover a file of `size` bytes. */
export function splitRanges(size: number, rangeBytes: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < size; s += rangeBytes) out.push([s, Math.min(size, s + rangeBytes)]);
  if (out.length === 0) out.push([0, 0]);
  return out;
}

interface Pending {
  promise: Promise<{ ok: true; chunks: Chunk<unknown>[] } | { ok: false; error: unknown }>;
}

class RangeIterator<R> implements ChunkIterator<R> {
  private readonly abort = new AbortController();
  private ranges: [number, number][] | undefined;
  private nextRange = 0;
  private readonly inFlight: Pending[] = [];
  /** Chunks ready to hand out: one list (file order) or one per range (interleave). */
  private ready: Chunk<R>[][] = [];
  private turn = 0;
  private columns: CsvColumns | undefined;
  private names: string[] | undefined;
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
      while (true) {
        const chunk = this.take();
        if (chunk !== undefined) {
          this.rows += chunk instanceof Array ? chunk.length : chunk.size;
          return { done: false, value: chunk };
        }
        this.fill();
        const head = this.inFlight.shift();
        if (head === undefined) {
          this.onSize(this.rows);
          await this.close();
          return { done: true, value: undefined };
        }
        const r = await head.promise;
        if (!r.ok) throw r.error;
        this.fill();
        if (r.chunks.length > 0) this.ready.push(r.chunks as Chunk<R>[]);
        if (this.order === 'interleave') await this.gather();
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

  /** Settles the schema in this thread, so every range decodes to the same dtypes. */
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
    if (this.columns !== undefined) this.onSchema(this.columns);
    // Only the range at byte 0 holds the header line: the others get its names, so that
    // each task does not read the file's start again to find them.
    if ((this.options.header ?? true) === true && size > 0) this.names = await headerNames(this.path, this.options);
    this.ranges = splitRanges(size, this.rangeBytes);
  }

  /** Keeps `workers + 1` ranges in flight: one decoding ahead while the consumer drains one. */
  private fill(): void {
    const ranges = this.ranges!;
    while (!this.closed && this.nextRange < ranges.length && this.inFlight.length < this.workers + 1) {
      const [start, end] = ranges[this.nextRange++]!;
      const header = start > 0 && this.names !== undefined ? { header: this.names } : {};
      const options = { ...this.options, columns: this.columns, ...header } as CsvOptions;
      const task: CsvTask = { path: this.path, options, start, end };
      const promise = runCsvTask<WireChunk[]>(task, this.workers, this.abort.signal).then(
        (wire) => ({ ok: true as const, chunks: wire.map((w) => fromWire<unknown>(w)) }),
        (error: unknown) => ({ ok: false as const, error: rangeError(this.path, start, end, error) }),
      );
      this.inFlight.push({ promise });
    }
  }

  /** Interleave: bring in every range already decoded, so their chunks alternate. */
  private async gather(): Promise<void> {
    while (this.ready.length < this.workers && this.inFlight.length > 0) {
      const r = await this.inFlight.shift()!.promise;
      if (!r.ok) throw r.error;
      this.fill();
      if (r.chunks.length > 0) this.ready.push(r.chunks as Chunk<R>[]);
    }
  }

  private take(): Chunk<R> | undefined {
    if (this.ready.length === 0) return undefined;
    if (this.order === 'file') {
      const list = this.ready[0]!;
      const chunk = list.shift();
      if (list.length === 0) this.ready.shift();
      return chunk;
    }
    this.turn %= this.ready.length;
    const list = this.ready[this.turn]!;
    const chunk = list.shift();
    if (list.length === 0) this.ready.splice(this.turn, 1);
    else this.turn++;
    return chunk;
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Tasks still queued are dropped; running ones end with their thread.
    if (this.inFlight.length > 0) this.abort.abort();
    this.inFlight.length = 0;
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
