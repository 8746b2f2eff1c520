import { Piscina } from 'piscina';
import { type Chunk, type ChunkIterator, type ChunkSource, epochCounter, type OpenOptions, type Schema } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { checkInt, describe, OptionError, StageError } from '../errors.js';
import { FencedIterator, ReadyQueue } from '../iterator.js';
import type { BackgroundData, PullResult, PullTask } from '../workers/background-worker.js';
import { fromWire } from '../workers/wire.js';
import { workerUrl } from '../worker-url.js';
import { ThreadMeter, type WorkerStage, type WorkerStats } from '../stats/threads.js';

export interface BackgroundOptions {
  /** Chunks the worker may run ahead of the consumer. Default 4. */
  depth?: number;
  /** The module's export that is (or returns) the Dataset. Default 'default'. */
  exportName?: string;
  /** Arguments for the export when it is a function (structured-cloneable). */
  args?: unknown[];
  /**
   * The worker thread's V8 limits (node's Worker `resourceLimits`). A decoding pipeline
   * allocates many short-lived objects, and V8 grows a busy thread's young generation to
   * its maximum (tens of MB, per thread): `{ maxYoungGenerationSizeMb: 8 }` keeps that down
   * at the cost of more, cheaper scavenges. Default: V8's.
   */
  resourceLimits?: { maxYoungGenerationSizeMb?: number; maxOldGenerationSizeMb?: number };
}

// Piscina's worker is a CommonJS file that require()s this entry, which under
// `node --import tsx` is how a worker thread can load TypeScript (tsx's import hook does
// not reach worker threads on Node 20; its require hook does).
const ENTRY = workerUrl('background-worker');

/**
 * Runs a whole pipeline on a worker thread, so that its decoding overlaps the consumer's
 * work (training) on the main thread: a prefetch whose upstream lives in another thread.
 * Closures cannot cross threads, so the pipeline is built there, by a module whose export
 * is a Dataset or a function returning one. Up to `depth` chunks wait, moved (not copied)
 * to this thread. Epochs are numbered here and passed on, so shuffles reseed as usual; the
 * worker thread is kept between epochs (unref'd while idle: it never holds the process open).
 * A worker that throws or exits rejects the consumer with that error; an abort of the
 * epoch's signal ends the thread (a stuck pipeline cannot be asked to close). The module
 * and `args` travel to the worker once per epoch, with the pull that opens it.
 * @example
 * // pipeline.ts: export default () => csv('ratings.csv', { columns }).shuffle(100_000).batch(1024);
 * const ds = background<ColumnBatch>(new URL('../stages/pipeline.js', import.meta.url), { depth: 4 });
 * await model.fitDataset(toTfDataset(ds, { xs: ['userId', 'movieId'], ys: 'rating' }), { epochs: 10 });
 */
export function background<T>(module: string | URL, options: BackgroundOptions = {}): Dataset<T> {
  const url = toUrl(module);
  const depth = checkInt('background', 'depth', options.depth ?? 4, 1);
  const exportName = options.exportName ?? 'default';
  if (typeof exportName !== 'string') throw new OptionError(`background: exportName must be a string, got ${describe(exportName)}`);
  const data: BackgroundData = { url, exportName, args: options.args ?? [] };
  const limits = options.resourceLimits ?? {};
  for (const [name, mb] of Object.entries(limits)) checkInt('background', `resourceLimits.${name}`, mb, 1);
  return new Dataset<T>(new BackgroundSource<T>(data, depth, limits));
}

function toUrl(module: unknown): string {
  if (module instanceof URL) return module.href;
  if (typeof module === 'string' && (module.startsWith('file:') || module.startsWith('data:'))) return module;
  if (typeof module === 'string' && module.startsWith('/')) return new URL(`file://${module}`).href;
  throw new OptionError(`background: module must be a URL or an absolute path, got ${describe(module)}`);
}

let ids = 0;
/**
 * How long the thread outlives the last epoch. Piscina's own idle timeout cannot serve: it
 * ended the thread of an epoch whose consumer paused between pulls (an evaluation between
 * training epochs on a loaded machine), and the next pull found a new thread without it.
 */
const IDLE_MS = 10_000;

class BackgroundSource<T> implements ChunkSource<T>, WorkerStage {
  readonly stageName = 'background';
  private pool: Piscina | undefined;
  private readonly meter = new ThreadMeter(() => this.pool?.threads);
  private readonly nextEpoch = epochCounter();
  private knownSize: number | undefined;
  private knownSchema: Schema | undefined;
  /** Names this source's pipeline in the worker thread (built there once, from `data`). */
  private readonly id = `${process.pid}-${ids++}`;
  private epochs = 0;
  /** Epochs open now, and the timer that ends the thread once none has been for IDLE_MS. */
  private live = 0;
  private reaper: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly data: BackgroundData,
    private readonly depth: number,
    private readonly resourceLimits: NonNullable<BackgroundOptions['resourceLimits']>,
  ) {}

  get size(): number | undefined {
    return this.knownSize;
  }

  get schema(): Schema | undefined {
    return this.knownSchema;
  }

  /** The worker thread's busy share over the epochs so far. */
  workerStats(): WorkerStats | undefined {
    return this.meter.stats();
  }

  open(epoch?: number, options?: OpenOptions): ChunkIterator<T> {
    const e = this.nextEpoch(epoch);
    const id = `${this.id}-${this.epochs++}`;
    let pool: Piscina | undefined;
    const pull: Pull = (want, first, close) => {
      pool ??= this.sharedPool();
      // The module and its arguments travel once, with the pull that opens the epoch.
      const task: PullTask = { pipeline: this.id, id, want, ...(first ? { open: { epoch: e, data: this.data } } : {}), ...(close ? { close: true } : {}) };
      return (pool.run(task) as Promise<PullResult>).then((r) => {
        this.knownSize = r.size;
        this.knownSchema = r.schema as Schema | undefined;
        return r;
      });
    };
    // A stuck pipeline cannot be asked to close: an abort ends the thread (the next epoch starts a new one).
    const kill = (): void => {
      pool ??= this.pool;
      if (pool === undefined || this.pool !== pool) return;
      this.meter.refresh(); // its thread reads as zeros once ended
      this.pool = undefined;
      void pool.destroy();
    };
    this.live++;
    clearTimeout(this.reaper);
    const ended = (): void => {
      if (--this.live > 0) return;
      // No epoch open for IDLE_MS: the thread goes (an open epoch's thread never does, however long its consumer pauses).
      this.reaper = setTimeout(() => {
        if (this.live === 0 && this.pool !== undefined) kill();
      }, IDLE_MS);
      this.reaper.unref();
    };
    return this.meter.epoch(new BackgroundIterator<T>(pull, kill, ended, this.depth, options?.signal));
  }

  /**
   * One thread, kept between epochs (the pipeline is built once in it); idle, it is unref'd
   * by piscina (it never holds the process open), and it ends IDLE_MS after the last epoch
   * closed. Epochs open at once share it.
   */
  private sharedPool(): Piscina {
    if (this.pool === undefined) {
      this.pool = new Piscina({ filename: ENTRY, minThreads: 1, maxThreads: 1, concurrentTasksPerWorker: 16, idleTimeout: IDLE_MS, resourceLimits: this.resourceLimits });
      this.pool.on('error', () => undefined); // a death is reported through the task it ran
    }
    return this.pool;
  }
}

type Pull = (want: number, first: boolean, close: boolean) => Promise<PullResult>;

/**
 * Keeps one pull in flight while fewer than `depth` chunks wait, and takes its chunks in
 * as soon as it returns: the worker decodes the next chunks while the consumer works.
 */
class BackgroundIterator<T> extends FencedIterator<T> {
  private readonly ready = new ReadyQueue<Chunk<T>>();
  private pending: Promise<PullResult> | undefined;
  private first = true;

  constructor(
    private readonly pull: Pull,
    private readonly kill: () => void,
    private readonly ended: () => void,
    private readonly depth: number,
    signal: AbortSignal | undefined,
  ) {
    super(signal);
  }

  protected async step(): Promise<IteratorResult<Chunk<T>, undefined>> {
    let chunk: Chunk<T> | undefined;
    try {
      chunk = await this.ready.take(() => this.closed, () => this.request());
    } catch (error) {
      throw new StageError('background', undefined, error);
    }
    if (chunk === undefined) return { done: true, value: undefined };
    this.request();
    return { done: false, value: chunk };
  }

  protected override interrupt(aborted: boolean): void {
    this.ready.clear();
    if (aborted) this.kill();
  }

  /** Waits for the pull in flight, then has the worker close the epoch (its files). */
  protected async release(): Promise<void> {
    const pending = this.pending;
    this.pending = undefined;
    try {
      if (pending !== undefined) await pending.catch(() => undefined);
      if (!this.ready.finished && !this.first) await this.pull(0, false, true).catch(() => undefined);
    } finally {
      this.ended();
    }
  }

  /**
   * Asks the worker for more once half the depth is used up, for enough to fill it. Not
   * sooner: a consumer that trains between chunks turns the event loop only when it runs
   * out, so a pull asked for after every chunk (one chunk at a time) would be taken in only
   * then, and the next pull, for a whole depth, would start only then too: a stall a depth.
   */
  private request(): void {
    if (this.pending !== undefined || this.closed || this.ready.finished || this.ready.length > this.depth / 2) return;
    const p = this.pull(this.depth - this.ready.length, this.first, false);
    this.first = false;
    this.pending = p;
    p.then(
      (r) => {
        if (this.pending !== p) return; // closed meanwhile
        this.pending = undefined;
        for (const w of r.chunks) this.ready.push(fromWire<T>(w));
        if (r.done) this.ready.end();
        this.request();
      },
      (error: unknown) => {
        if (this.pending !== p) return;
        this.pending = undefined;
        this.ready.fail(error);
      },
    );
  }
}
