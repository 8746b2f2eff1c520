import { type AnyColumns, type Chunk, type ChunkSource, chunkToArray, ColumnChunk, type ColumnsOf, type NumericArray, type RowOf, type Schema } from './chunk.js';
import { ElementIterator } from './element-iterator.js';
import { batch, type BatchOptions, type Batched } from './stages/batch.js';
import { cache, type CacheOptions } from './stages/cache.js';
import { concat } from './stages/concat.js';
import { filter } from './stages/filter.js';
import { flatMap } from './stages/flat-map.js';
import { interleave, type InterleaveOptions } from './stages/interleave.js';
import { map } from './stages/map.js';
import { type ColumnsFn, mapColumns } from './stages/map-columns.js';
import { filterRows, type RowMask } from './stages/filter-rows.js';
import { rename, type Renamed } from './stages/rename.js';
import { select } from './stages/select.js';
import { withColumn, type WithColumn } from './stages/with-column.js';
import { join, type Joined, type JoinOptions, type SideTable } from './stages/join.js';
import { mapParallel, type MapParallelOptions, type WorkerFn } from './stages/map-parallel.js';
import { AUTO_MAX_DEPTH, prefetch } from './stages/prefetch.js';
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
export class Dataset<T, C = ColumnsOf<T>> implements AsyncIterable<T> {
  /**
   * `C` types the columns of columnar chunks and batches (`{ userId: Int32Array }`); it is
   * the creator's word about `source` (sources with dtypes, like csv, set it).
   */
  constructor(
    readonly source: ChunkSource<T>,
    /** How this dataset was made from another, so that `withStats` can rebuild the chain instrumented. */
    readonly lineage?: Lineage,
  ) {}

  /** Wraps a ChunkSource (what `range`, `csv`, `lines`… return) or another Dataset. */
  static from<T, C = ColumnsOf<T>>(source: ChunkSource<T> | Dataset<T, C>): Dataset<T, C> {
    return source instanceof Dataset ? source : new Dataset<T, C>(source);
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
  chunks(options: EpochOptions = {}): AsyncIterable<Chunk<T, C>> {
    const { epoch, signal } = checkEpochOptions(options);
    return { [Symbol.asyncIterator]: () => openWithSignal(this.source, epoch, signal) } as AsyncIterable<Chunk<T, C>>;
  }

  /** One epoch, element by element; `epoch` and `signal` as for `chunks`. */
  iterator(options: EpochOptions = {}): AsyncIterableIterator<T> {
    const { epoch, signal } = checkEpochOptions(options);
    return new ElementIterator(openWithSignal(this.source, epoch, signal), signal);
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.iterator();
  }

  /**
   * Applies `fn` to every element. `index` counts from 0 each epoch. Over columnar data
   * (csv, arrow, parquet) this is the slow path: it builds an object per row and `batch`
   * turns them back into columns (≈0.4× the speed); prefer `mapColumns`.
   */
  map<U>(fn: (value: T, index: number) => U): Dataset<U> {
    return this.derive('map', (s) => map(s, fn));
  }

  /**
   * Applies a function on worker threads, a chunk per task, in input order by default.
   * `fn` is a module URL (default export per element, or `mapChunk` per chunk) or a plain
   * function without closures (it is sent as source text). See stages/map-parallel.ts.
   * @example
   * range(1e6).mapParallel((x: number) => Math.sqrt(x), { concurrency: 2 })
   */
  mapParallel<U>(fn: WorkerFn<T, U>, options?: MapParallelOptions): Dataset<U> {
    return this.derive('mapParallel', (s) => mapParallel(s, fn, options));
  }

  /**
   * Runs `fn` once per chunk on its columns (typed from the schema, each `size` long) and
   * carries on with the columns it returns: no object per row, columnar and typed downstream.
   * Return columns unchanged to pass them on without a copy.
   * @example
   * const scaled = csv('ratings.csv', { columns }).mapColumns((c, size) => {
   *   const rating = new Float32Array(size);
   *   for (let i = 0; i < size; i++) rating[i] = c.rating[i]! / 5;
   *   return { ...c, rating };
   * });
   */
  mapColumns<D extends AnyColumns>(fn: ColumnsFn<C, D>): Dataset<RowOf<D>, D> {
    return this.derive('mapColumns', (s) => mapColumns<T, D>(s, fn as ColumnsFn<AnyColumns, D>));
  }

  /** Keeps the named columns, in this order (no copy). */
  select<const K extends keyof C & string>(...names: K[]): Dataset<RowOf<Pick<C, K>>, Pick<C, K>> {
    return this.derive('select', (s) => select(s, names) as ChunkSource<RowOf<Pick<C, K>>>);
  }

  /** Renames columns: `rename({ movieId: 'item' })`. */
  rename<const M extends { readonly [K in keyof C]?: string }>(mapping: M): Dataset<RowOf<Renamed<C, M>>, Renamed<C, M>> {
    return this.derive('rename', (s) => rename(s, mapping as Readonly<Record<string, string>>));
  }

  /** Adds or replaces column `name`, computed per chunk from the columns: `withColumn('r5', (c) => c.rating.map((r) => r / 5))`. */
  withColumn<const N extends string, A extends NumericArray>(name: N, fn: ColumnsFn<C, A>): Dataset<RowOf<WithColumn<C, N, A>>, WithColumn<C, N, A>> {
    return this.derive('withColumn', (s) => withColumn(s, name, fn as ColumnsFn<AnyColumns, A>) as ChunkSource<RowOf<WithColumn<C, N, A>>>);
  }

  /** Keeps the rows whose mask entry is non-zero; the mask is computed per chunk from the columns. */
  filterRows(mask: ColumnsFn<C, RowMask>): Dataset<T, C> {
    return this.derive<T, C>('filterRows', (s) => filterRows(s, mask as ColumnsFn<AnyColumns, RowMask>));
  }

  /**
   * Adds columns of an in-memory side table (typed arrays, or a dataset read whole once)
   * to each row, matched on `on`; a key the table lacks is an error, or `{ fill }` counted.
   * @example
   * const movies = csv('movies.csv', { columns: { movieId: 'int32', genres: 'category' } });
   * const rows = csv('ratings.csv', { columns }).join(movies, { on: 'movieId', columns: ['genres'] });
   */
  join<TC, const K extends keyof C & keyof TC & string, const J extends Exclude<keyof TC & string, K>>(table: TC | { chunks(): AsyncIterable<Chunk<unknown, TC>> }, options: JoinOptions<K, J>): Dataset<RowOf<Joined<C, TC, J>>, Joined<C, TC, J>> {
    return this.derive('join', (s) => join(s, table as SideTable<AnyColumns>, options) as ChunkSource<RowOf<Joined<C, TC, J>>>);
  }

  /** Keeps the elements for which `predicate` returns true. */
  filter(predicate: (value: T, index: number) => boolean): Dataset<T, C> {
    return this.derive<T, C>('filter', (s) => filter(s, predicate));
  }

  /** Replaces each element by the elements of the iterable that `fn` returns. */
  flatMap<U>(fn: (value: T, index: number) => Iterable<U>): Dataset<U> {
    return this.derive('flatMap', (s) => flatMap(s, fn));
  }

  /**
   * Maps each element to a dataset and interleaves them, `cycleLength` open at once,
   * `blockLength` elements from each in turn (or at random with `order: 'random'`).
   */
  interleave<U>(fn: (value: T, index: number) => Dataset<U> | ChunkSource<U>, options?: InterleaveOptions): Dataset<U> {
    return this.derive('interleave', (s) => interleave(s, fn, options));
  }

  /** A seeded shuffle buffer of `bufferSize` elements; a new order each epoch by default. */
  shuffle(bufferSize: number, options?: ShuffleOptions): Dataset<T, C> {
    return this.derive<T, C>('shuffle', (s) => shuffle(s, bufferSize, options), bufferSize);
  }

  /** Batches of `size`: columnar `{ size, columns }` for numeric records, arrays otherwise. */
  batch(size: number, options?: BatchOptions): Dataset<Batched<T, C>> {
    return this.derive('batch', (s) => batch<T, C>(s, size, options));
  }

  /** Runs the upstream up to `depth` chunks ahead of the consumer ('auto': deeper each time the consumer waits, up to 64). */
  prefetch(depth: number | 'auto' = 2): Dataset<T, C> {
    return this.derive<T, C>('prefetch', (s) => prefetch(s, depth), depth === 'auto' ? AUTO_MAX_DEPTH : depth);
  }

  /** The first `count` elements of each epoch. */
  take(count: number): Dataset<T, C> {
    return this.derive<T, C>('take', (s) => take(s, count));
  }

  /** Each epoch without its first `count` elements. */
  skip(count: number): Dataset<T, C> {
    return this.derive<T, C>('skip', (s) => skip(s, count));
  }

  /** The upstream `count` times over as one epoch (forever when omitted). */
  repeat(count?: number): Dataset<T, C> {
    return this.derive<T, C>('repeat', (s) => repeat(s, count));
  }

  /**
   * Shard `index` of `count` (the shards partition each epoch). Straight on a block source (shuffledCsv,
   * shuffledCsvFiles, csvParallel) blocks are dealt to shards: each reads ≈1/count of the bytes; else element i goes to shard i % count.
   */
  shard(count: number, index: number): Dataset<T, C> {
    const element = shard(this.source, count, index); // validates count and index
    const pushed = this.source.shard?.(count, index);
    return pushed !== undefined ? new Dataset<T, C>(pushed) : this.derive<T, C>('shard', (s) => (s === this.source ? element : shard(s, count, index)));
  }

  /** This epoch, then `other`'s. */
  concat(other: Dataset<T, C> | ChunkSource<T>): Dataset<T, C> {
    return this.derive<T, C>('concat', (s) => concat(s, sourceOf(other)));
  }

  /** Pairs of elements, ending with the shorter side. */
  zip<U>(other: Dataset<U> | ChunkSource<U>): Dataset<[T, U]> {
    return this.derive('zip', (s) => zip(s, sourceOf(other)));
  }

  /** Ends the epoch (rejecting the pending read, closing the upstream) when `signal` aborts. */
  withAbort(signal: AbortSignal): Dataset<T, C> {
    return this.derive<T, C>('withAbort', (s) => withAbort(s, signal));
  }

  /**
   * Keeps the first full epoch and replays it: in an Arrow IPC file at `path` (numeric
   * records; reused across runs while the source's fingerprint matches, rebuilt when
   * stale or damaged) or, without a path, in memory up to `maxBytes`.
   * @example
   * csv('ratings.csv').cache('/tmp/ratings.arrow').shuffle(100_000).batch(1024)
   */
  cache(path?: string, options?: CacheOptions): Dataset<T, C> {
    return this.derive<T, C>('cache', (s) => cache(s, path, options));
  }

  /** A stage on this dataset; the recipe is kept (cost: one closure) for `withStats`. */
  private derive<U, D = ColumnsOf<U>>(stage: string, build: (upstream: ChunkSource<T>) => ChunkSource<U>, buffer?: number): Dataset<U, D> {
    const lineage: Lineage = { parent: this as Dataset<unknown, unknown>, stage, build: build as unknown as Lineage['build'], buffer };
    return new Dataset<U, D>(build(this.source), lineage);
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

/** A stage's place in a chain: its upstream dataset, its name, and how to build it on a given upstream. */
export interface Lineage {
  readonly parent: Dataset<unknown, unknown>;
  readonly stage: string;
  readonly build: (upstream: ChunkSource<unknown>) => ChunkSource<unknown>;
  /** The stage's buffer bound (prefetch: chunks, shuffle: rows), when it has one. */
  readonly buffer?: number | undefined;
}

function checkEpochOptions(options: EpochOptions): EpochOptions {
  if (options === null || typeof options !== 'object') throw new OptionError(`epoch options must be an object, got ${describe(options)}`);
  const { epoch, signal } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new OptionError(`signal must be an AbortSignal, got ${describe(signal)}`);
  if (epoch !== undefined && !(Number.isInteger(epoch) && epoch >= 0)) throw new OptionError(`epoch must be an integer >= 0, got ${describe(epoch)}`);
  return options;
}

function sourceOf<T>(x: Dataset<T, unknown> | ChunkSource<T>): ChunkSource<T> {
  return x instanceof Dataset ? x.source : x;
}
