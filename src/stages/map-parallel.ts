import { Piscina } from 'piscina';
import type { Chunk, ChunkIterator, ChunkSource } from '../chunk.js';
import { chunkLength } from '../chunk.js';
import { checkInt, describe, OptionError, StageError } from '../errors.js';
import { FencedIterator } from '../iterator.js';
import type { FnSpec, MapResult, MapTask } from '../workers/map-worker.js';
import { fromWire, toWire } from '../workers/wire.js';
import { workerUrl } from '../worker-url.js';
import type { Worker } from 'node:worker_threads';
import { ThreadMeter, type WorkerStage } from '../stats/threads.js';
import { workerBudget, WorkerScaler } from '../stats/scaler.js';

export interface MapParallelOptions {
  /**
   * Worker threads, and chunks in flight. Default 2. 'auto': starts with 1 and adds one
   * each time the consumer waited on this stage more than 20% of the last 8 chunks, up to
   * the CPUs beside the consumer's (os.availableParallelism() - 1) and a memory budget; an
   * epoch starts with the count the last one reached. The output is the same whatever it
   * decides (in input order by default).
   */
  concurrency?: number | 'auto';
  /** Deliver chunks in input order (deterministic). Default true; false delivers as they finish. */
  ordered?: boolean;
}

/**
 * What `mapParallel` runs in a worker: a module URL (a `file:` URL or absolute path) or a
 * plain function. A module exports either
 * - `mapChunk(chunk, index)`: called once per chunk with an array of elements or a
 *   columnar block `{ size, columns }` (typed arrays), returns an array or `{ size, columns }`; or
 * - a default export (or `map`) `(value, index) => result`, called per element.
 * A plain function is sent as its source text (`fn.toString()`), so it must not use
 * variables from outside it (no closures, no imports); use a module for anything else.
 */
export type WorkerFn<T, U> = string | URL | ((value: T, index: number) => U | Promise<U>);

// Workers run the same flavour as this file: .ts under tsx (which the workers inherit
// through execArgv), .js in the built package.
const WORKER = workerUrl('map-worker');

/**
 * Applies a function to every element on worker threads (piscina), a chunk per task.
 * Columnar chunks travel as typed arrays moved between threads, not copied. Ordered by
 * default: at most `concurrency` chunks are in flight and they come out in input order.
 * A worker that throws or exits rejects the consumer with that error (the `cause` of a
 * StageError naming the element); the pool is destroyed at the end of each epoch, on an
 * error and on an early `break`.
 * @example
 * const ds = csv('ratings.csv').mapParallel(new URL('./features.js', import.meta.url), { concurrency: 2 });
 * const doubled = range(100).mapParallel((x: number) => x * 2);
 */
export function mapParallel<T, U>(source: ChunkSource<T>, fn: WorkerFn<T, U>, options: MapParallelOptions = {}): ChunkSource<U> {
  const spec = toSpec(fn);
  const auto = options.concurrency === 'auto' ? new WorkerScaler(workerBudget(THREAD_BYTES)) : undefined;
  const concurrency = auto?.budget ?? checkInt('mapParallel', 'concurrency', options.concurrency ?? 2, 1);
  const ordered = options.ordered ?? true;
  if (typeof ordered !== 'boolean') throw new OptionError(`mapParallel: ordered must be a boolean, got ${describe(ordered)}`);
  let current: MapParallelIterator<T, U> | undefined;
  const meter = new ThreadMeter(() => current?.threads());
  if (auto !== undefined) meter.budget = auto.budget;
  const stage: ChunkSource<U> & WorkerStage = {
    size: source.size,
    stageName: 'mapParallel',
    workerStats: () => meter.stats(),
    open: (epoch, opts) => {
      const it = (current = new MapParallelIterator<T, U>(source.open(epoch, opts), spec, concurrency, auto?.count ?? concurrency, ordered, meter, opts?.signal, source.freshChunks === true));
      return meter.epoch(auto === undefined ? it : auto.watch(it, () => it.limit++));
    },
  };
  return stage;
}

/** What one more worker thread may cost in memory (its heap, and a chunk in and out): for the budget of 'auto'. */
const THREAD_BYTES = 64 << 20;

function toSpec(fn: unknown): FnSpec {
  if (fn instanceof URL) return { kind: 'module', url: fn.href };
  if (typeof fn === 'string') {
    if (fn.startsWith('file:') || fn.startsWith('data:')) return { kind: 'module', url: fn };
    if (fn.startsWith('/')) return { kind: 'module', url: new URL(`file://${fn}`).href };
    throw new OptionError(`mapParallel: a module must be a URL or an absolute path, got ${JSON.stringify(fn)}`);
  }
  if (typeof fn === 'function') {
    const source = fn.toString();
    if (source.includes('[native code]')) throw new OptionError('mapParallel: a native function cannot be sent to a worker');
    return { kind: 'source', source };
  }
  throw new OptionError(`mapParallel: fn must be a module URL or a function, got ${describe(fn)}`);
}

type Settled<U> = { ok: true; chunk: Chunk<U> } | { ok: false; error: unknown };
interface InFlight<U> {
  promise: Promise<Settled<U>>;
  settled: Settled<U> | undefined;
}

class MapParallelIterator<T, U> extends FencedIterator<U> {
  private pool: Piscina | undefined;
  private readonly inFlight: InFlight<U>[] = [];
  private index = 0;
  private upstreamDone = false;
  private poolError: unknown;

  constructor(
    private readonly upstream: ChunkIterator<T>,
    private readonly spec: FnSpec,
    /** The pool's threads at most. */
    private readonly concurrency: number,
    /** Chunks in flight now (up to `concurrency`: 'auto' raises it). */
    public limit: number,
    private readonly ordered: boolean,
    private readonly meter: ThreadMeter,
    signal: AbortSignal | undefined,
    /** The upstream's chunks are fresh (ChunkSource.freshChunks): a chunk in one buffer moves whole to a worker. */
    private readonly fresh: boolean,
  ) {
    super(signal);
  }

  threads(): readonly Worker[] | undefined {
    return this.pool?.threads;
  }

  protected async step(): Promise<IteratorResult<Chunk<U>, undefined>> {
    while (!this.closed) {
      await this.fill();
      if (this.closed || this.inFlight.length === 0) break;
      const settled = await this.take();
      if (this.closed) break;
      if (!settled.ok) throw settled.error;
      // Refill before handing the chunk over, so the workers stay busy while the consumer works on it.
      await this.fill();
      if (this.closed) break;
      if (chunkLength(settled.chunk) > 0) return { done: false, value: settled.chunk };
    }
    return { done: true, value: undefined };
  }

  /** An abort does not wait for the chunks in flight: the pool goes at once (its tasks reject). */
  protected override interrupt(aborted: boolean): void {
    if (aborted) void this.destroyPool();
  }

  protected async release(): Promise<void> {
    this.inFlight.length = 0;
    try {
      await this.destroyPool();
    } finally {
      await this.upstream.return?.();
    }
  }

  private async destroyPool(): Promise<void> {
    const pool = this.pool;
    if (pool !== undefined) this.meter.refresh(); // its threads read as zeros once ended
    this.pool = undefined;
    await pool?.destroy();
  }

  /** Pulls upstream chunks and submits them until `limit` are in flight. */
  private async fill(): Promise<void> {
    while (!this.upstreamDone && !this.closed && this.inFlight.length < this.limit) {
      const r = await this.upstream.next();
      if (this.closed) return; // no pool starts after close
      if (r.done) {
        this.upstreamDone = true;
        break;
      }
      const n = chunkLength(r.value);
      if (n === 0) continue;
      this.inFlight.push(this.submit(r.value, this.index));
      this.index += n;
    }
  }

  private submit(chunk: Chunk<T>, index: number): InFlight<U> {
    const pool = (this.pool ??= this.startPool());
    const transferList: ArrayBuffer[] = [];
    const task: MapTask = { spec: this.spec, chunk: toWire(chunk, transferList, this.fresh), index };
    const entry: InFlight<U> = { promise: undefined as never, settled: undefined };
    entry.promise = (pool.run(task, { transferList }) as Promise<MapResult>).then(
      (r): Settled<U> =>
        r.ok ? { ok: true, chunk: fromWire<U>(r.chunk) } : { ok: false, error: new StageError('mapParallel', r.index ?? index, r.error) },
      (error: unknown): Settled<U> => ({ ok: false, error: new StageError('mapParallel', index, this.poolError ?? error) }),
    );
    void entry.promise.then((s) => (entry.settled = s));
    return entry;
  }

  /** The next result: the oldest in order, else whichever settles first. */
  private async take(): Promise<Settled<U>> {
    if (this.ordered) return this.inFlight.shift()!.promise;
    const done = this.inFlight.findIndex((e) => e.settled !== undefined);
    if (done >= 0) return this.inFlight.splice(done, 1)[0]!.settled!;
    const first = await Promise.race(this.inFlight.map((e, i) => e.promise.then(() => i)));
    return this.inFlight.splice(first, 1)[0]!.settled!;
  }

  private startPool(): Piscina {
    const pool = new Piscina({
      filename: WORKER,
      minThreads: this.limit,
      maxThreads: this.concurrency,
      // One task per worker at a time: `concurrency` is the bound on chunks in flight.
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
    });
    // A worker that dies with no task of ours running is reported here, not thrown.
    pool.on('error', (e: unknown) => (this.poolError ??= e));
    return pool;
  }
}
