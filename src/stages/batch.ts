import {
  type Chunk,
  type ChunkSource,
  type ColumnBatch,
  ColumnChunk,
  type ColumnsOf,
  dtypeOf,
  epochOf,
  type NumericArray,
  type NumericDType,
  type OpenOptions,
  type Schema,
} from '../chunk.js';
import { BufferPool, ChunkLease, releasable } from '../buffer-pool.js';
import { checkInt, describe, StageError } from '../errors.js';

export interface BatchOptions {
  /** Drop the last batch of an epoch when it is smaller than `size`. Default false. */
  dropRemainder?: boolean;
}

/**
 * What `batch` yields for elements of type T: numeric records become a ColumnBatch
 * (one typed array per field), anything else an array.
 */
export type Batched<T, C = ColumnsOf<T>> = T extends readonly unknown[]
  ? T[]
  : T extends object
    ? T[keyof T] extends number
      ? ColumnBatch<T, C>
      : T[]
    : T[];

/**
 * Groups elements into batches of `size`. Numeric records (plain objects whose fields
 * are all numbers, or columnar chunks) become `{ size, columns }` with one typed array
 * per field, dtype from the source's schema (Float64Array when unknown); other elements
 * become arrays.
 */
export function batch<T, C = ColumnsOf<T>>(source: ChunkSource<T>, size: number, options: BatchOptions = {}): ChunkSource<Batched<T, C>> {
  checkInt('batch', 'size', size, 1);
  const dropRemainder = options.dropRemainder ?? false;
  const n = source.size;
  // Memory of released batches (ColumnBatch.release): this stage's copies come from the pool,
  // and a chunk viewed by released batches goes back to the source (ChunkSource.recycle).
  const memory = { pool: new BufferPool(), recycle: source.recycle };
  return {
    size: n === undefined ? undefined : dropRemainder ? Math.floor(n / size) : Math.ceil(n / size),
    open: (epoch, options) => run(epoch, options) as AsyncGenerator<Chunk<Batched<T, C>>, undefined>,
  };

  async function* run(epoch: number | undefined, options: OpenOptions | undefined): AsyncGenerator<Chunk<unknown>, undefined> {
    let builder: Builder | undefined;
    let index = 0;
    for await (const chunk of epochOf(source, epoch, options)) {
      builder ??= chooseBuilder(chunk, size, source.schema, memory);
      const out: unknown[] = [];
      builder.add(chunk, index, out);
      index += chunk instanceof ColumnChunk ? chunk.size : chunk.length;
      if (out.length > 0) yield out;
    }
    if (builder !== undefined && !dropRemainder) {
      const last = builder.flush();
      if (last !== undefined) yield [last];
    }
    return undefined;
  }
}

interface Builder {
  /** Adds a chunk's elements; completed batches are pushed to `out`. */
  add(chunk: Chunk<unknown>, index: number, out: unknown[]): void;
  /** The partial batch, if any. */
  flush(): unknown;
}

/** Where a batch stage's memory comes from and goes back to. */
interface BatchMemory {
  pool: BufferPool;
  recycle: ((chunk: Chunk<unknown>) => void) | undefined;
}

function chooseBuilder(chunk: Chunk<unknown>, size: number, schema: Schema | undefined, memory: BatchMemory): Builder {
  if (chunk instanceof ColumnChunk) {
    const dtypes: Record<string, NumericArray> = chunk.columns;
    return new ColumnBuilder(size, Object.keys(dtypes), (name) => dtypeOf(dtypes[name]!), memory);
  }
  const first = chunk[0];
  const fields = numericFields(first);
  if (fields !== undefined) return new ColumnBuilder(size, fields, (name) => schema?.[name], memory);
  return new ArrayBuilder(size);
}

/** The field names of a plain object whose values are all numbers, else undefined. */
function numericFields(x: unknown): string[] | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return undefined;
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const names = Object.keys(x);
  if (names.length === 0) return undefined;
  for (const name of names) if (typeof (x as Record<string, unknown>)[name] !== 'number') return undefined;
  return names;
}

class ArrayBuilder implements Builder {
  private current: unknown[] = [];
  constructor(private readonly size: number) {}

  add(chunk: Chunk<unknown>, _index: number, out: unknown[]): void {
    const items = chunk as readonly unknown[];
    let i = 0;
    while (i < items.length) {
      const take = Math.min(this.size - this.current.length, items.length - i);
      if (this.current.length === 0 && take === this.size) {
        out.push(items.slice(i, i + take));
      } else {
        for (let k = 0; k < take; k++) this.current.push(items[i + k]);
        if (this.current.length === this.size) {
          out.push(this.current);
          this.current = [];
        }
      }
      i += take;
    }
  }

  flush(): unknown {
    return this.current.length > 0 ? this.current : undefined;
  }
}

class ColumnBuilder implements Builder {
  private columns: Record<string, NumericArray> | undefined;
  private filled = 0;
  /**
   * Each name's array type, settled once: `dtype` is a closure made anew each epoch, and a
   * call of it in open() (each batch) deoptimised the batch's compiled code at every epoch's
   * start (the last epoch's closure inlined there: "wrong call target").
   */
  private readonly dtypes: readonly NumericDType[];

  constructor(
    private readonly size: number,
    private readonly names: readonly string[],
    dtype: (name: string) => Schema[string] | undefined,
    private readonly memory: BatchMemory,
  ) {
    this.dtypes = names.map((name) => numericDType(dtype(name)));
  }

  add(chunk: Chunk<unknown>, index: number, out: unknown[]): void {
    if (chunk instanceof ColumnChunk) this.addColumns(chunk, out);
    else this.addRows(chunk, index, out);
  }

  flush(): ColumnBatch | undefined {
    if (this.filled === 0 || this.columns === undefined) return undefined;
    const n = this.filled;
    const full = this.columns;
    const columns: Record<string, NumericArray> = {};
    for (const name of this.names) columns[name] = n === this.size ? full[name]! : full[name]!.subarray(0, n);
    this.columns = undefined;
    this.filled = 0;
    const pool = this.memory.pool;
    return releasable({ size: n, columns }, () => pool.giveColumns(Object.values(full)));
  }

  private addColumns(chunk: ColumnChunk<unknown>, out: unknown[]): void {
    // Batches that view the chunk hold it; once they are released and this loop is done with
    // it (the rest copied), it goes back to its source.
    const lease = new ChunkLease(chunk, this.memory.recycle);
    let i = 0;
    while (i < chunk.size) {
      const take = Math.min(this.size - this.filled, chunk.size - i);
      if (this.filled === 0 && take === this.size) {
        // A whole batch inside one chunk: hand out views, no copy. Chunks are never
        // written after they are yielded, so the views stay valid.
        const columns: Record<string, NumericArray> = {};
        for (const name of this.names) columns[name] = this.column(chunk, name).subarray(i, i + take);
        out.push(releasable({ size: take, columns }, lease.hold()));
      } else {
        const cols = this.open();
        for (const name of this.names) cols[name]!.set(this.column(chunk, name).subarray(i, i + take), this.filled);
        this.filled += take;
        if (this.filled === this.size) out.push(this.flush());
      }
      i += take;
    }
    lease.end();
  }

  private addRows(items: readonly unknown[], index: number, out: unknown[]): void {
    const names = this.names;
    for (let i = 0; i < items.length; i++) {
      const cols = this.open();
      const row = items[i] as Record<string, unknown>;
      for (let c = 0; c < names.length; c++) {
        const name = names[c]!;
        const v = row?.[name];
        if (typeof v !== 'number') {
          throw new StageError('batch', index + i, new Error(`field '${name}' is ${describe(v)}; every element must have the numeric fields of the first (${names.join(', ')})`));
        }
        cols[name]![this.filled] = v;
      }
      if (++this.filled === this.size) out.push(this.flush());
    }
  }

  private column(chunk: ColumnChunk<unknown>, name: string): NumericArray {
    const col = chunk.columns[name];
    if (col === undefined) {
      throw new StageError('batch', undefined, new Error(`a chunk lacks column '${name}' (has ${Object.keys(chunk.columns).join(', ')})`));
    }
    return col;
  }

  private open(): Record<string, NumericArray> {
    if (this.columns === undefined) {
      const arrays = this.memory.pool.columns(this.dtypes, this.size);
      this.columns = Object.fromEntries(this.names.map((name, k) => [name, arrays[k]!]));
    }
    return this.columns;
  }
}

/** The array type allocColumn gives a dtype: Float64Array unless int32 or float32. */
function numericDType(dtype: Schema[string] | undefined): NumericDType {
  return dtype === 'int32' || dtype === 'float32' ? dtype : 'float64';
}
