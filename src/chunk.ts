// The unit that stages hand each other: one await per chunk, never one per element.
// A chunk is either an array of elements or a columnar block of numeric records
// (one typed array per field). Sources that decode numbers (csv's fast engine, arrow)
// emit columnar chunks so that shuffle and batch never build a JS object per row.
//
// The protocol, the one place it is written:
//
// Ownership. A chunk handed downstream belongs to the consumer: the producer neither reads
// nor writes it again (no reuse of its arrays for the next chunk). A columnar chunk keeps
// `columns[x].length === size` for every column (a view of exactly `size` rows; never a
// longer buffer with a shorter `size`). A typed array may be transferred (detached here)
// only by the stage that owns the chunk, and only if it spans its whole ArrayBuffer: a view
// of part of a buffer may share it with other chunks and is copied instead (workers/wire.ts).
// Memory shared with workers (SharedArrayBuffer arenas) is copied out before a chunk is
// handed on. The one way back: a consumer that is done with a chunk (no view of it kept, not
// handed on) may give it to its source's `recycle`, which reuses the memory for a later
// chunk (detached first); the batch stage does so for batches its consumer has released
// (ColumnBatch.release).
//
// Lifecycle. `open(epoch, { signal })` starts an epoch and acquires nothing until the first
// `next()`. After an epoch ends — the last `next()` answered done, a `next()` rejected,
// `return()` or `throw()` resolved, or its signal aborted and the step in flight settled —
// it holds no file descriptor, worker thread, port, timer or listener, and every promise it
// made has settled. A hand-written iterator stands on FencedIterator (src/iterator.ts):
// `return()` runs behind a `next()` in flight, `closed` is re-checked after every await,
// every waiter wakes on close, `return()`/`throw()` are idempotent, `next()` after close
// answers done. The signal reaches every stage and source of the epoch; an abort rejects the
// pending `next()` at once with an AbortError whose `cause` is the signal's reason.
//
// Teardown: first error wins. Every closer runs even when one before it fails; a close that
// fails while an error is already ending the epoch never replaces that error (closeAll in
// src/iterator.ts; Node's pipeline() finishes the same way). With no earlier error, a failing
// close is what `return()` (or the last `next()`) rejects with.

/** The numeric column types sluice produces. */
export type NumericArray = Int32Array | Float32Array | Float64Array;
export type NumericDType = 'int32' | 'float32' | 'float64';
export type DType = NumericDType | 'string';

/** Field name → dtype; travels with a dataset where the source knows it. */
export type Schema = Readonly<Record<string, DType>>;

/** A record whose fields are all numbers: what `batch` turns into columns. */
export type NumericRecord = Readonly<Record<string, number>>;

/** The typed array that a numeric dtype decodes to (NumericArray when it is not known). */
export type ArrayOf<D> = D extends 'int32' | 'category' ? Int32Array : D extends 'float32' ? Float32Array : D extends 'float64' ? Float64Array : NumericArray;

/** Name → typed array: the columns of chunks and batches of records `T` whose dtypes are not known. */
export type ColumnsOf<T> = { readonly [K in keyof T]: NumericArray };

/** Name → typed array for the numeric fields of a dtype map (`{ a: 'int32' }` → `{ a: Int32Array }`). */
export type ColumnsOfSchema<S> = { readonly [K in keyof S as S[K] extends NumericDType | 'category' ? K : never]: ArrayOf<S[K]> };

/** The record type of a row of typed columns: one number per column. */
export type RowOf<C> = { -readonly [K in keyof C]: number };

/** Any record of named typed-array columns. */
export type AnyColumns = Readonly<Record<string, NumericArray>>;

/**
 * A batch of numeric records, one typed array per field, `size` rows long.
 * This is what `ds.batch(n)` yields over numeric records; `C` types the columns from the
 * source's dtypes (`{ userId: Int32Array, rating: Float32Array }` for csv `columns`).
 */
export interface ColumnBatch<R extends object = NumericRecord, C = ColumnsOf<R>> {
  readonly size: number;
  readonly columns: Readonly<C>;
  /**
   * Hands the batch's memory back to the pipeline for later batches: call it once nothing
   * reads the arrays any more (tensors made by a backend that copies them, or disposed).
   * Reused memory is detached first: an array kept by mistake reads as empty, never as other
   * rows. Optional (else the garbage collector frees it). Not enumerable; idempotent.
   * @example
   * for await (const b of ds) {
   *   train(b.columns.rating); // a training step that copies or is done with the arrays
   *   b.release?.();
   * }
   */
  readonly release?: () => void;
}

/**
 * Rows of `T` stored column by column, `C` typing the columns. Internal to the chunk
 * protocol; `mapColumns` is the public way to work on them. `columns` also reads as a
 * record of NumericArray by any name, for code generic over the columns.
 */
export class ColumnChunk<T = NumericRecord, C = ColumnsOf<T>> {
  /** Phantom marker so ColumnChunk<A> and ColumnChunk<B> stay distinct types. */
  declare readonly _row?: T;
  readonly columns: AnyColumns & Readonly<C>;
  constructor(
    readonly size: number,
    /** Each at least `size` long; they are C (the caller's word: the protocol is internal). */
    columns: AnyColumns,
  ) {
    this.columns = columns as AnyColumns & Readonly<C>;
  }
}

export type Chunk<T, C = ColumnsOf<T>> = readonly T[] | ColumnChunk<T, C>;

/** A one-epoch stream of chunks. `return()` must release files, workers and timers (see Lifecycle). */
export type ChunkIterator<T> = AsyncIterator<Chunk<T>, undefined>;

/** How an epoch is opened, besides its number. */
export interface OpenOptions {
  /**
   * Aborting it ends the epoch: the pending `next()` rejects with an AbortError whose cause
   * is the signal's reason, and everything the epoch holds is released.
   */
  readonly signal?: AbortSignal | undefined;
}

/**
 * What a Dataset wraps: how to open one epoch, plus what is known about it.
 * Stages are functions from one ChunkSource to another.
 */
export interface ChunkSource<T> {
  /**
   * Starts a fresh epoch. `epoch` numbers it (seeding shuffles); when omitted, stages
   * count epochs themselves. Stages pass it on to their upstream.
   */
  open(epoch?: number, options?: OpenOptions): ChunkIterator<T>;
  /** Elements per epoch, when known without reading (carried so progress bars get an ETA). */
  readonly size: number | undefined;
  /** Field dtypes of record elements, when known. */
  readonly schema?: Schema | undefined;
  /**
   * True when every chunk its epochs yield is new and referenced by nothing else (a
   * decoder's fresh columns, no view of them kept): the stage that reads this source directly
   * may write into a chunk's arrays and hand them on (the shuffle buffer swaps rows in place
   * instead of allocating its output). A stage never passes it on by default, so a stage
   * that keeps chunks (a cache) between the two turns it off.
   */
  readonly freshChunks?: boolean | undefined;
  /**
   * Takes back a chunk (or a slice of one) its epochs yielded, once the consumer is done with
   * it (no view kept, not handed on), to reuse its memory (BufferPool); other chunks are
   * ignored. Like freshChunks, not passed on by default: only a stage that hands its source's
   * chunks on untouched and keeps no view of them (the shuffle buffer, in place) passes it on.
   */
  readonly recycle?: ((chunk: Chunk<unknown>) => void) | undefined;
  /**
   * Shard `index` of `count` read at the source, when it can deal its blocks or byte ranges
   * to shards (each shard then reads ≈1/count of the bytes); undefined when it cannot.
   * Dataset.shard uses it, else keeps every count-th element.
   */
  readonly shard?: ((count: number, index: number) => ChunkSource<T> | undefined) | undefined;
}

/** Preferred number of elements per chunk for sources that can choose. */
export const CHUNK_SIZE = 4096;

export function chunkLength<T, C>(chunk: Chunk<T, C>): number {
  return chunk instanceof ColumnChunk ? chunk.size : chunk.length;
}

/** Elements [start, end) of a chunk; columnar chunks are sliced without copying. */
export function sliceChunk<T>(chunk: Chunk<T>, start: number, end: number): Chunk<T> {
  if (chunk instanceof ColumnChunk) {
    const columns: Record<string, NumericArray> = {};
    for (const name in chunk.columns) columns[name] = chunk.columns[name]!.subarray(start, end);
    return new ColumnChunk<T>(Math.max(0, Math.min(end, chunk.size) - start), columns);
  }
  return chunk.slice(start, end);
}

/** A chunk cut into views (columnar) or slices of at most `rows` elements; none if it is empty. */
export function splitChunk<T>(chunk: Chunk<T>, rows: number): Chunk<T>[] {
  const n = chunkLength(chunk);
  if (n <= rows) return n === 0 ? [] : [chunk];
  const out: Chunk<T>[] = [];
  for (let s = 0; s < n; s += rows) out.push(sliceChunk(chunk, s, s + rows));
  return out;
}

/** Row `i` of a columnar chunk as a plain object. */
export function rowAt<T>(chunk: ColumnChunk<T>, i: number): T {
  const row: Record<string, number> = {};
  for (const name in chunk.columns) row[name] = chunk.columns[name]![i]!;
  return row as T;
}

/** The chunk's elements as an array (materialises rows of a columnar chunk). */
export function chunkToArray<T, C>(chunk: Chunk<T, C>): readonly T[] {
  if (!(chunk instanceof ColumnChunk)) return chunk;
  const names = Object.keys(chunk.columns);
  const cols = names.map((n) => chunk.columns[n]!);
  const out = new Array<T>(chunk.size);
  for (let i = 0; i < chunk.size; i++) {
    const row: Record<string, number> = {};
    for (let c = 0; c < names.length; c++) row[names[c]!] = cols[c]![i]!;
    out[i] = row as T;
  }
  return out;
}

/** A typed array of the schema's dtype (float64 when unknown). */
export function allocColumn(dtype: DType | undefined, length: number): NumericArray {
  switch (dtype) {
    case 'int32':
      return new Int32Array(length);
    case 'float32':
      return new Float32Array(length);
    default:
      return new Float64Array(length);
  }
}

export function dtypeOf(column: NumericArray): NumericDType {
  if (column instanceof Int32Array) return 'int32';
  if (column instanceof Float32Array) return 'float32';
  return 'float64';
}

/** Gathers rows `indices` of a columnar chunk into a new columnar chunk. */
export function gatherChunk<T>(chunk: ColumnChunk<T>, indices: ArrayLike<number>, count = indices.length): ColumnChunk<T> {
  const columns: Record<string, NumericArray> = {};
  for (const name in chunk.columns) {
    const src = chunk.columns[name]!;
    const dst = allocColumn(dtypeOf(src), count);
    for (let i = 0; i < count; i++) dst[i] = src[indices[i]!]!;
    columns[name] = dst;
  }
  return new ColumnChunk<T>(count, columns);
}

/**
 * The epoch numbering of a source or stage that counts epochs itself: `open(epoch)` starts
 * the epoch asked for, `open()` the one after the last opened.
 * @example
 * const epochs = epochCounter();
 * epochs(); // 0
 * epochs(5); // 5
 * epochs(); // 6
 */
export function epochCounter(): (asked?: number) => number {
  let next = 0;
  return (asked) => {
    const epoch = asked ?? next;
    next = epoch + 1;
    return epoch;
  };
}

/** One epoch of a source, as something `for await` can walk (return() reaches the source). */
export function epochOf<T>(source: ChunkSource<T>, epoch?: number, options?: OpenOptions): AsyncIterable<Chunk<T>> {
  return { [Symbol.asyncIterator]: () => source.open(epoch, options) };
}

/**
 * Joins chunks into one: columnar when every part is columnar with the same columns and
 * dtypes (typed arrays copied once), an array otherwise.
 */
export function concatChunks<T>(parts: readonly Chunk<T>[]): Chunk<T> {
  if (parts.length === 1) return parts[0]!;
  const first = parts[0];
  if (first instanceof ColumnChunk && parts.every((p) => p instanceof ColumnChunk && sameLayout(first, p))) {
    const cols = parts as readonly ColumnChunk<T>[];
    const size = cols.reduce((n, c) => n + c.size, 0);
    const columns: Record<string, NumericArray> = {};
    for (const name in first.columns) {
      const out = allocColumn(dtypeOf(first.columns[name]!), size);
      let at = 0;
      for (const c of cols) {
        out.set(c.columns[name]!.subarray(0, c.size), at);
        at += c.size;
      }
      columns[name] = out;
    }
    return new ColumnChunk<T>(size, columns);
  }
  const out: T[] = [];
  for (const p of parts) for (const x of chunkToArray(p)) out.push(x);
  return out;
}

/** Column names in order, each with its dtype: what ColumnSlots keeps of a chunk's columns. */
export interface ColumnLayout {
  readonly names: readonly string[];
  readonly dtypes: readonly NumericDType[];
}

/**
 * Whether `a` and `b` (columnar chunks, or layouts such as ColumnSlots) have the same column
 * names in the same order, each with the same dtype: the one test of whether one's columns
 * can be copied into the other's, column by column, by position or by name.
 */
export function sameLayout(a: ColumnChunk<unknown> | ColumnLayout, b: ColumnChunk<unknown> | ColumnLayout): boolean {
  const [x, y] = [namesOf(a), namesOf(b)];
  if (x.length !== y.length) return false;
  for (let c = 0; c < x.length; c++) if (x[c] !== y[c] || dtypeAt(a, x[c]!, c) !== dtypeAt(b, y[c]!, c)) return false;
  return true;
}

const namesOf = (x: ColumnChunk<unknown> | ColumnLayout): readonly string[] => (x instanceof ColumnChunk ? Object.keys(x.columns) : x.names);
const dtypeAt = (x: ColumnChunk<unknown> | ColumnLayout, name: string, c: number): NumericDType | undefined =>
  x instanceof ColumnChunk ? dtypeOf(x.columns[name]!) : x.dtypes[c];
