// One epoch of csvParallel: the readers on the shared csv threads, the ranges they post
// back, and the order they are handed out in. Built on the iterator core (src/iterator.ts).
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { type Chunk, CHUNK_SIZE, type Schema, splitChunk } from '../chunk.js';
import { StageError } from '../errors.js';
import type { FileIdentity } from '../io/file.js';
import { FencedIterator } from '../iterator.js';
import { errorFromWire, fromWire, type WireChunk, type WireError } from '../workers/wire.js';
import { emptyStats, type CsvStats } from './fields.js';
import { checkIdentity, rangeFileIdentity } from './range-file.js';
import type { CsvParallelOptions } from './parallel.js';
import { runCsvTask } from './pool.js';
import { csv, type CsvColumns, type CsvOptions } from './reader.js';
import type { StreamTask } from './worker-tasks.js';
import { arenaBytes, headerNames, ownColumns, rangeError, splitRanges } from './parallel-ranges.js';

const DONE = { done: true, value: undefined } as const;

/** What one csvParallel dataset tells each of its epochs. */
export interface RangeEpochConfig {
  path: string;
  options: Omit<CsvParallelOptions, 'workers' | 'rangeBytes' | 'order'>;
  /** Threads at most (the pool's size); `readers` start with the epoch (default all), addReader() starts more. */
  workers: number;
  readers?: number;
  /** Ranges whose chunks alternate in 'interleave' order (default `workers`; fixed for 'auto'). */
  group?: number;
  rangeBytes: number;
  order: 'file' | 'interleave';
  onSchema: (s: Schema) => void;
  onSize: (n: number) => void;
  /** The epoch's figures (rows, bad rows skipped), as csv() keeps them. */
  stats: CsvStats;
  /** Read only the ranges dealt to shard `index` of `count` (range r goes to shard r % count). */
  shard?: { count: number; index: number };
}

/** One range's chunks (its index in the file's ranges), or the error that stopped its reader. */
type Arrival = { range: number; arena: number; chunks: WireChunk[]; skipped: number } | { range: number; error: WireError };

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
export class RangeIterator<R> extends FencedIterator<R> {
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
  /** Aborts the readers' tasks (which ends their threads) when the epoch's signal aborts. */
  private readonly stop = new AbortController();
  /** Ranges arrived, not yet handed out. */
  private arrived = new Map<number, Chunk<R>[]>();
  /** Ranges being handed out: one (file order) or up to `workers` taken in turn (interleave). */
  private ready: Chunk<R>[][] = [];
  private turn = 0;
  private handed = 0;
  private failure: Error | undefined;
  /** Errors of ranges not yet handed out: raised in file order, after the rows before them. */
  private errors = new Map<number, Error>();
  /** The file the epoch reads (device, inode, size, mtime), checked at every read and at the end. */
  private identity: FileIdentity | undefined;
  private wake: (() => void) | undefined;
  private rows = 0;
  private readonly path: string;
  private readonly options: RangeEpochConfig['options'];
  private readonly workers: number;
  private readonly group: number;
  private readers = 0;
  private readonly order: 'file' | 'interleave';

  constructor(
    private readonly config: RangeEpochConfig,
    signal: AbortSignal | undefined,
  ) {
    super(signal);
    ({ path: this.path, options: this.options, workers: this.workers, order: this.order } = config);
    this.group = config.group ?? config.workers;
  }

  protected async step(): Promise<IteratorResult<Chunk<R>, undefined>> {
    if (this.ranges === undefined) await this.start();
    while (!this.closed) {
      const chunk = this.take();
      if (chunk !== undefined) {
        this.rows += chunk instanceof Array ? chunk.length : chunk.size;
        return { done: false, value: chunk };
      }
      if (this.failure !== undefined) throw this.failure;
      if (this.handed === this.ranges!.length && this.ready.length === 0) {
        await Promise.all(this.tasks); // every reader has closed its file
        await checkIdentity(this.path, this.identity!);
        Object.assign(this.config.stats, { rows: this.rows, bytes: this.identity!.size, complete: true });
        this.config.onSize(this.rows);
        return DONE;
      }
      if (!this.bringIn()) {
        if (this.failure === undefined) await this.arrival(); // else: the ranges before it, then the error
      } else if (this.order === 'interleave') {
        // A group of `workers` ranges alternates: wait for the whole group (the same mix every time).
        while (!this.closed && this.ready.length < this.group && this.handed < this.ranges!.length && this.failure === undefined) {
          if (!this.bringIn() && this.failure === undefined) await this.arrival();
        }
      }
    }
    return DONE;
  }

  /** No reader claims another range or waits for room; on an abort their tasks end at once. */
  protected override interrupt(aborted: boolean): void {
    this.stopReaders();
    if (aborted) this.stop.abort();
    this.wake?.();
  }

  /** The readers finish the ranges in hand (and close their files) and end; then the ports close. */
  protected async release(): Promise<void> {
    this.stopReaders();
    await Promise.all(this.tasks);
    for (const port of this.ports) port.close();
    this.arrived.clear();
    this.ready = [];
  }

  private stopReaders(): void {
    if (this.ranges !== undefined) Atomics.store(this.claims, 0, this.ranges.length);
    Atomics.store(this.delivered, 0, 1 << 30);
    Atomics.notify(this.delivered, 0);
  }

  /**
   * Settles the schema in this thread, so every range decodes to the same dtypes; starts the
   * readers. Closed meanwhile (checked after every await), it starts nothing.
   */
  private async start(): Promise<void> {
    Object.assign(this.config.stats, emptyStats());
    // Stat'ed before anything opens it: a FIFO with no writer would block open() forever.
    this.identity = await rangeFileIdentity(this.path);
    const size = this.identity.size;
    if (this.closed) return;
    this.columns = this.options.columns ?? (await this.inferColumns(size));
    if (this.closed) return;
    if (this.columns !== undefined) this.config.onSchema(this.columns as Schema); // no category columns here (rejected when built)
    // Only the range at byte 0 holds the header line: the others get its names, so that
    // each task does not read the file's start again to find them.
    if ((this.options.header ?? true) === true && size > 0) this.names = await headerNames(this.path, this.options);
    if (this.closed) return;
    const shard = this.config.shard;
    const ranges = splitRanges(size, this.config.rangeBytes).filter((_, r) => shard === undefined || r % shard.count === shard.index);
    await this.makeArenas(size, Math.min(this.workers, ranges.length));
    if (this.closed) return;
    this.ranges = ranges;
    for (let w = Math.min(this.config.readers ?? this.workers, ranges.length); w > 0; w--) this.addReader();
  }

  private async inferColumns(size: number): Promise<CsvColumns | undefined> {
    const probe = csv(this.path, { ...this.options, identity: this.identity, byteRange: [0, Math.min(size, 1 << 20)] } as CsvOptions);
    const it = probe.chunks()[Symbol.asyncIterator]();
    try {
      await it.next();
    } finally {
      await it.return?.();
    }
    return probe.schema;
  }

  /** One more reader on the epoch's ranges (workers: 'auto'), while there is a thread and a range for it. */
  addReader(): void {
    if (this.closed || this.ranges === undefined || this.readers >= Math.min(this.workers, this.ranges.length) || Atomics.load(this.claims, 0) >= this.ranges.length) return;
    this.readers++;
    const options = { ...this.options, columns: this.columns, identity: this.identity } as CsvOptions;
    const names = this.names ?? (Array.isArray(this.options.header) ? [...this.options.header] : undefined);
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (m: Arrival) => this.arrive(m));
    port1.unref(); // held (ref) only while the consumer waits on it: see arrival()
    this.ports.push(port1);
    const task: StreamTask = { path: this.path, options, names, ranges: this.ranges!, claims: this.claims, delivered: this.delivered, ahead: 2 * this.workers + 1, port: port2, arenas: this.arenas, arenaUse: this.arenaUse };
    const done = runCsvTask(task, this.workers, this.stop.signal, [port2 as unknown as ArrayBuffer]).catch((error: unknown) => {
      if (!this.stop.signal.aborted) this.fail(new StageError(`csvParallel '${this.path}'`, undefined, error));
    });
    this.tasks.push(done);
  }

  private arrive(m: Arrival): void {
    const [start, end] = this.ranges![m.range]!;
    if ('error' in m) {
      this.errors.set(m.range, rangeError(this.path, start, end, errorFromWire(m.error)));
      this.wake?.();
      return;
    }
    this.config.stats.skipped += m.skipped;
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
    const bytes = await arenaBytes(this.path, size, columns, this.config.rangeBytes);
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
    const want = this.order === 'file' ? 1 : this.group;
    while (this.ready.length < want && this.handed < this.ranges!.length) {
      const error = this.errors.get(this.handed);
      if (error !== undefined) {
        this.failure ??= error; // raised once the ranges before it are handed out
        break;
      }
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
}

