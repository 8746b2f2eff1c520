import { type Chunk, type ChunkIterator, type ChunkSource, chunkToArray, ColumnChunk, rowAt, type Schema } from './chunk.js';
import { batch, type BatchOptions, type Batched } from './stages/batch.js';
import { cache, type CacheOptions } from './stages/cache.js';
import { concat } from './stages/concat.js';
import { filter } from './stages/filter.js';
import { flatMap } from './stages/flat-map.js';
import { interleave, type InterleaveOptions } from './stages/interleave.js';
import { map } from './stages/map.js';
import { mapParallel, type MapParallelOptions, type WorkerFn } from './stages/map-parallel.js';
import { prefetch } from './stages/prefetch.js';
import { repeat } from './stages/repeat.js';
import { shard } from './stages/shard.js';
import { shuffle, type ShuffleOptions } from './stages/shuffle.js';
import { skip } from './stages/skip.js';
import { take } from './stages/take.js';
import { openWithSignal, withAbort } from './stages/with-abort.js';
import { describe, OptionError } from './errors.js';
import { zip } from './stages/zip.js';

export interface EpochOptions extends SignalOptions {
  /** The epoch number: epoch e of a recipe is the same stream every time it is asked for. */
  epoch?: number;
}

export interface SignalOptions {
  /**
   * Aborting it ends the epoch: the pending read rejects with an AbortError (its `cause` is
   * the signal's reason) and every file, worker and port of the epoch is released.
   */
  signal?: AbortSignal;
}

/**
 * A recipe for a stream of elements. Every `for await` (every `[Symbol.asyncIterator]()`)
 * runs a fresh epoch: files reopen, shuffles reseed from their seed and the epoch number.
 * Methods return new Datasets; nothing runs until you iterate.
 * @example
 * import { Dataset, range } from 'sluice';
 * const ds = Dataset.from(range(10)).map((x) => x * 2).shuffle(4, { seed: 1 }).batch(3);
 * for await (const b of ds) console.log(b); // [6, 0, 4], …
 */
export class Dataset<T> implements AsyncIterable<T> {
  constructor(readonly source: ChunkSource<T>) {}

  /** Wraps a ChunkSource (what `range`, `csv`, `lines`… return), an iterable or another Dataset. */
  static from<T>(source: ChunkSource<T> | Dataset<T>): Dataset<T> {
    return source instanceof Dataset ? source : new Dataset(source);
  }

  /** Elements per epoch when known without reading (undefined otherwise). */
  get size(): number | undefined {
    return this.source.size;
  }

  /** Field dtypes of record elements, when the source knows them. */
  get schema(): Schema | undefined {
    return this.source.schema;
  }

  /**
   * One epoch as chunks (arrays or columnar blocks): the fast way to consume.
   * `epoch` picks the epoch number (seeding shuffles); by default stages count epochs.
   */
  chunks(options: EpochOptions = {}): AsyncIterable<Chunk<T>> {
    const { epoch, signal } = checkEpochOptions(options);
    return { [Symbol.asyncIterator]: () => openWithSignal(this.source, epoch, signal) };
  }

  /** One epoch, element by element; `epoch` and `signal` as for `chunks`. */
  iterator(options: EpochOptions = {}): AsyncIterableIterator<T> {
    const { epoch, signal } = checkEpochOptions(options);
    return new ElementIterator(openWithSignal(this.source, epoch, signal));
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.iterator();
  }

  /** Applies `fn` to every element. `index` counts from 0 each epoch. */
  map<U>(fn: (value: T, index: number) => U): Dataset<U> {
    return new Dataset(map(this.source, fn));
  }

  /**
   * Applies a function on worker threads, a chunk per task, in input order by default.
   * `fn` is a module URL (default export per element, or `mapChunk` per chunk) or a plain
   * function without closures (it is sent as source text). See stages/map-parallel.ts.
   * @example
   * range(1e6).mapParallel((x: number) => Math.sqrt(x), { concurrency: 2 })
   */
  mapParallel<U>(fn: WorkerFn<T, U>, options?: MapParallelOptions): Dataset<U> {
    return new Dataset(mapParallel(this.source, fn, options));
  }

  /** Keeps the elements for which `predicate` returns true. */
  filter(predicate: (value: T, index: number) => boolean): Dataset<T> {
    return new Dataset(filter(this.source, predicate));
  }

  /** Replaces each element by the elements of the iterable that `fn` returns. */
  flatMap<U>(fn: (value: T, index: number) => Iterable<U>): Dataset<U> {
    return new Dataset(flatMap(this.source, fn));
  }

  /**
   * Maps each element to a dataset and interleaves them, `cycleLength` open at once,
   * `blockLength` elements from each in turn (or at random with `order: 'random'`).
   */
  interleave<U>(fn: (value: T, index: number) => Dataset<U> | ChunkSource<U>, options?: InterleaveOptions): Dataset<U> {
    return new Dataset(interleave(this.source, fn, options));
  }

  /** A seeded shuffle buffer of `bufferSize` elements; a new order each epoch by default. */
  shuffle(bufferSize: number, options?: ShuffleOptions): Dataset<T> {
    return new Dataset(shuffle(this.source, bufferSize, options));
  }

  /** Batches of `size`: columnar `{ size, columns }` for numeric records, arrays otherwise. */
  batch(size: number, options?: BatchOptions): Dataset<Batched<T>> {
    return new Dataset(batch(this.source, size, options));
  }

  /** Runs the upstream up to `depth` chunks ahead of the consumer. */
  prefetch(depth = 2): Dataset<T> {
    return new Dataset(prefetch(this.source, depth));
  }

  /** The first `count` elements of each epoch. */
  take(count: number): Dataset<T> {
    return new Dataset(take(this.source, count));
  }

  /** Each epoch without its first `count` elements. */
  skip(count: number): Dataset<T> {
    return new Dataset(skip(this.source, count));
  }

  /** The upstream `count` times over as one epoch (forever when omitted). */
  repeat(count?: number): Dataset<T> {
    return new Dataset(repeat(this.source, count));
  }

  /** Shard `index` of `count`: element i belongs to shard i % count. */
  shard(count: number, index: number): Dataset<T> {
    return new Dataset(shard(this.source, count, index));
  }

  /** This epoch, then `other`'s. */
  concat(other: Dataset<T> | ChunkSource<T>): Dataset<T> {
    return new Dataset(concat(this.source, sourceOf(other)));
  }

  /** Pairs of elements, ending with the shorter side. */
  zip<U>(other: Dataset<U> | ChunkSource<U>): Dataset<[T, U]> {
    return new Dataset(zip(this.source, sourceOf(other)));
  }

  /** Ends the epoch (rejecting the pending read, closing the upstream) when `signal` aborts. */
  withAbort(signal: AbortSignal): Dataset<T> {
    return new Dataset(withAbort(this.source, signal));
  }

  /**
   * Keeps the first full epoch and replays it: in an Arrow IPC file at `path` (numeric
   * records; reused across runs while the source's fingerprint matches, rebuilt when
   * stale or damaged) or, without a path, in memory up to `maxBytes`.
   * @example
   * csv('ratings.csv').cache('/tmp/ratings.arrow').shuffle(100_000).batch(1024)
   */
  cache(path?: string, options?: CacheOptions): Dataset<T> {
    return new Dataset(cache(this.source, path, options));
  }

  /** Every element of one epoch in an array; `signal` aborts it (an AbortError). */
  async toArray(options: SignalOptions = {}): Promise<T[]> {
    const out: T[] = [];
    for await (const chunk of this.chunks(options)) {
      const items = chunkToArray(chunk);
      for (let i = 0; i < items.length; i++) out.push(items[i]!);
    }
    return out;
  }

  /** Calls `fn` on every element of one epoch (awaiting it only when it returns a promise); `signal` aborts it. */
  async forEach(fn: (value: T, index: number) => void | Promise<void>, options: SignalOptions = {}): Promise<void> {
    let index = 0;
    for await (const chunk of this.chunks(options)) {
      const items = chunkToArray(chunk);
      for (let i = 0; i < items.length; i++) {
        const r = fn(items[i]!, index++);
        if (r !== undefined && typeof (r as Promise<void>).then === 'function') await r;
      }
    }
  }

  /** Number of elements in one epoch (reads it through, chunk by chunk); `signal` aborts it. */
  async count(options: SignalOptions = {}): Promise<number> {
    let n = 0;
    for await (const chunk of this.chunks(options)) n += chunk instanceof ColumnChunk ? chunk.size : chunk.length;
    return n;
  }
}

function checkEpochOptions(options: EpochOptions): EpochOptions {
  if (options === null || typeof options !== 'object') throw new OptionError(`epoch options must be an object, got ${describe(options)}`);
  const { epoch, signal } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new OptionError(`signal must be an AbortSignal, got ${describe(signal)}`);
  if (epoch !== undefined && !(Number.isInteger(epoch) && epoch >= 0)) throw new OptionError(`epoch must be an integer >= 0, got ${describe(epoch)}`);
  return options;
}

function sourceOf<T>(x: Dataset<T> | ChunkSource<T>): ChunkSource<T> {
  return x instanceof Dataset ? x.source : x;
}

/** One element at a time over a chunk iterator: a resolved promise per element, one await per chunk. */
class ElementIterator<T> implements AsyncIterableIterator<T> {
  private items: readonly T[] | undefined;
  private column: ColumnChunk<T> | undefined;
  private length = 0;
  private pos = 0;
  private finished = false;

  constructor(private readonly chunks: ChunkIterator<T>) {}

  next(): Promise<IteratorResult<T>> {
    if (this.pos < this.length) return Promise.resolve({ done: false, value: this.current() });
    return this.pull();
  }

  async return(): Promise<IteratorResult<T>> {
    if (!this.finished) {
      this.finished = true;
      await this.chunks.return?.();
    }
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private current(): T {
    const i = this.pos++;
    if (this.items !== undefined) return this.items[i]!;
    return rowAt(this.column!, i);
  }

  private async pull(): Promise<IteratorResult<T>> {
    while (!this.finished) {
      const r = await this.chunks.next();
      if (r.done) {
        this.finished = true;
        break;
      }
      this.setChunk(r.value);
      if (this.length > 0) return { done: false, value: this.current() };
    }
    return { done: true, value: undefined };
  }

  private setChunk(chunk: Chunk<T>): void {
    this.pos = 0;
    if (chunk instanceof ColumnChunk) {
      this.column = chunk;
      this.items = undefined;
      this.length = chunk.size;
    } else {
      this.items = chunk;
      this.column = undefined;
      this.length = chunk.length;
    }
  }
}
