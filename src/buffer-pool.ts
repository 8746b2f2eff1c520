// Memory a consumer has handed back (ColumnBatch.release, ChunkSource.recycle), reused for the
// next chunks. Fresh memory costs a page fault a page, and the garbage collector frees a dead
// chunk's buffer only after tens of megabytes more have been allocated: an epoch that allocates
// every chunk anew touches 30–60 MB of fresh pages (bench/README.md, "Ninth pass").
import { allocColumn, type ColumnChunk, type NumericArray, type NumericDType } from './chunk.js';

/** Makes the columns of a chunk of `length` rows, one of each dtype (a decoder's allocator). */
export type AllocateColumns = (dtypes: readonly NumericDType[], length: number) => NumericArray[];

/** New columns, a buffer each. */
export const freshColumns: AllocateColumns = (dtypes, length) => dtypes.map((d) => allocColumn(d, length));

/** How many buffers of one size a pool keeps, and how many bytes in all; the rest go to the garbage collector. */
const KEPT_PER_SIZE = 64;
const KEPT_BYTES = 16 << 20;

/**
 * ArrayBuffers by byte length: `take` hands out a kept one when there is one, else a new one;
 * `give` takes back one this pool handed out, detached first (its old views, if anyone kept
 * one by mistake, read as empty, never as the rows of a later chunk). Buffers this pool did
 * not hand out, and buffers given twice, are ignored.
 * @example
 * const pool = new BufferPool();
 * const columns = pool.columns(['int32', 'float32'], 1024); // an Int32Array and a Float32Array
 * pool.giveColumns(columns); // detached now (length 0); the next columns(…) reuse the memory
 */
export class BufferPool {
  private readonly kept = new Map<number, ArrayBuffer[]>();
  private keptBytes = 0;
  private readonly out = new WeakSet<ArrayBuffer>();
  /** Buffers handed out: `reused` of them kept ones, `fresh` new. */
  readonly counters = { fresh: 0, reused: 0 };

  /** A buffer of `bytes` bytes (its contents are whatever its last user left: write before reading). */
  take(bytes: number): ArrayBuffer {
    let buffer = this.kept.get(bytes)?.pop();
    if (buffer !== undefined) {
      this.keptBytes -= bytes;
      this.counters.reused++;
    } else {
      buffer = new ArrayBuffer(bytes);
      this.counters.fresh++;
    }
    this.out.add(buffer);
    return buffer;
  }

  /** Takes back `buffer` if this pool handed it out and it was not given back since; detaches it. */
  give(buffer: ArrayBufferLike): void {
    // A buffer moved to another thread since (workers/wire.ts) is detached: nothing to take back.
    if (!(buffer instanceof ArrayBuffer) || !this.out.delete(buffer) || buffer.byteLength === 0) return;
    let list = this.kept.get(buffer.byteLength);
    if (list === undefined) this.kept.set(buffer.byteLength, (list = []));
    if (list.length >= KEPT_PER_SIZE || this.keptBytes + buffer.byteLength > KEPT_BYTES) return;
    this.keptBytes += buffer.byteLength;
    list.push(structuredClone(buffer, { transfer: [buffer] })); // the same memory; `buffer` is detached
  }

  /**
   * Columns of `count` values of `dtypes`, views of one buffer (8-byte columns first, so that
   * every view is aligned): a chunk costs one buffer, not one a column.
   */
  columns(dtypes: readonly NumericDType[], count: number): NumericArray[] {
    const wide = dtypes.filter((d) => d === 'float64').length;
    const buffer = this.take(count * (8 * wide + 4 * (dtypes.length - wide)));
    let [at8, at4] = [0, 8 * wide * count];
    // Built by push, not map(): map()'s array is of one elements kind in the interpreter and
    // another in optimised code, and the hot code reading these lists deoptimised on the switch.
    const columns: NumericArray[] = [];
    for (const d of dtypes) {
      if (d === 'float64') {
        columns.push(new Float64Array(buffer, at8, count));
        at8 += 8 * count;
      } else {
        columns.push(d === 'float32' ? new Float32Array(buffer, at4, count) : new Int32Array(buffer, at4, count));
        at4 += 4 * count;
      }
    }
    return columns;
  }

  /** One column of `length` values in a buffer of its own. */
  column(dtype: NumericDType, length: number): NumericArray {
    return this.columns([dtype], length)[0]!;
  }

  /** Takes back the buffers of `columns` (see give). */
  giveColumns(columns: Iterable<NumericArray>): void {
    for (const c of columns) this.give(c.buffer);
  }

  /** Takes back the buffers of a columnar chunk's columns; anything else is ignored. */
  giveChunk(chunk: unknown): void {
    if (chunk !== null && typeof chunk === 'object' && 'columns' in chunk && !Array.isArray(chunk)) this.giveColumns(Object.values((chunk as ColumnChunk<unknown>).columns));
  }
}

/**
 * `batch` with `release` set (not enumerable: batches still compare, clone and print as
 * `{ size, columns }`); a release after the first does nothing.
 */
export function releasable<B extends object>(batch: B, release: () => void): B {
  let released = false;
  return Object.defineProperty(batch, 'release', {
    value: () => {
      if (released || kept.has(batch)) return;
      released = true;
      release();
    },
  });
}

/** Batches something keeps for later epochs: their release does nothing. */
const kept = new WeakSet<object>();

/**
 * Marks the batches among a chunk's elements (or in arrays among them: tuples of `zip`) as
 * kept (the in-memory cache replays them every epoch): releasing one then does nothing,
 * where it would empty it for the next epoch.
 */
export function keepBatches(items: readonly unknown[]): void {
  for (const item of items) {
    if (typeof item !== 'object' || item === null) continue;
    if ('release' in item) kept.add(item);
    // A tuple of batches (zip), one level down only: a cache of nested arrays is not walked.
    else if (Array.isArray(item)) for (const inner of item as unknown[]) if (typeof inner === 'object' && inner !== null && 'release' in inner) kept.add(inner);
  }
}

/**
 * A chunk that batches view: it goes back to its source (`recycle`) once every batch that
 * holds it is released and its reader is done with it (end). Without `recycle`, releases do
 * nothing.
 */
export class ChunkLease<C> {
  private holders = 0;
  private reading = true;
  private given = false;

  constructor(
    private readonly chunk: C,
    private readonly recycle: ((chunk: C) => void) | undefined,
  ) {}

  /** One more holder; the function it returns lets go (once). */
  hold(): () => void {
    if (this.recycle === undefined) return NOTHING;
    this.holders++;
    return () => {
      this.holders--;
      this.giveBack();
    };
  }

  /** The reader is done with the chunk (nothing of it kept but what the holders view). */
  end(): void {
    this.reading = false;
    this.giveBack();
  }

  private giveBack(): void {
    if (this.holders > 0 || this.reading || this.given) return;
    this.given = true;
    this.recycle?.(this.chunk);
  }
}

const NOTHING = (): void => {};
