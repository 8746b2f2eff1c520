// The file side of cache(path): Arrow IPC writing, reading and checking. Loaded on first
// use by cache.ts, so that apache-arrow stays out of processes and threads that never need it.
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  AsyncByteQueue,
  type DataType,
  Field,
  Float32,
  Float64,
  Int32,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchReader,
  Schema as ArrowSchema,
  Struct,
} from 'apache-arrow';
import {
  allocColumn,
  type Chunk,
  CHUNK_SIZE,
  type ChunkIterator,
  type ChunkSource,
  ColumnChunk,
  type NumericArray,
  type DType,
  type NumericDType,
  type Schema,
} from '../chunk.js';
import { describe, OptionError, StageError } from '../errors.js';
import { readArrowFile } from '../io/arrow-file.js';

const FORMAT = 'sluice-cache-1';
/** Rows per record batch written: large batches make reading the cache cheap. */
const BATCH_ROWS = 1 << 16;

/** One epoch of `cache(path)`: read a valid cache, else stream the upstream while writing it. */
export async function* openFileCache<T>(source: ChunkSource<T>, path: string, fingerprint: string, epoch: number | undefined): AsyncGenerator<Chunk<T>, undefined> {
  if (await isValidCache(path, fingerprint)) {
    yield* readArrowFile<T>(path, undefined, CHUNK_SIZE);
    return undefined;
  }
  yield* writeThrough(source, path, fingerprint, epoch);
  return undefined;
}

/** Files this process has checked (or written) whole, by path and stat stamp: checked once, not every epoch. */
const verified = new Map<string, string>();

function statStamp(s: { size: number; mtimeMs: number; ino: number }): string {
  return `${s.size}:${s.mtimeMs}:${s.ino}`;
}

/** What a cache file says about itself, from the footer's schema metadata. */
interface Stamp {
  format: string;
  fingerprint: string;
  rows: number;
  checksum: number;
}

/**
 * True when `path` is a complete cache of this fingerprint. The Arrow file format ends
 * with a footer (schema + record batch index + magic), so a truncated file fails to open;
 * the footer's metadata carries the row count and a checksum of every value, so a file
 * corrupted inside is caught by one full read, done before any row is yielded.
 */
export async function isValidCache(path: string, fingerprint: string): Promise<boolean> {
  let s;
  try {
    s = await stat(path);
  } catch {
    return false;
  }
  const key = resolve(path);
  if (verified.get(key) === `${statStamp(s)}|${fingerprint}`) return true;
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const reader = await RecordBatchReader.from(handle);
    await reader.open();
    if (!reader.isFile()) return false;
    const meta = readStamp(reader.schema);
    if (meta === undefined || meta.format !== FORMAT || meta.fingerprint !== fingerprint) return false;
    const sum = new Checksum();
    let rows = 0;
    for await (const batch of reader) {
      rows += batch.numRows;
      for (const child of batch.data.children) {
        const values = child.values as NumericArray;
        sum.add(values.subarray(child.offset, child.offset + child.length));
      }
    }
    if (rows !== meta.rows || sum.value !== meta.checksum) return false;
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
  verified.set(key, `${statStamp(s)}|${fingerprint}`);
  return true;
}

function readStamp(schema: ArrowSchema): Stamp | undefined {
  const m = schema.metadata;
  const rows = Number(m.get('sluice.rows'));
  const checksum = Number(m.get('sluice.checksum'));
  const format = m.get('sluice.format');
  const fingerprint = m.get('sluice.fingerprint');
  if (format === undefined || fingerprint === undefined || !Number.isInteger(rows) || !Number.isInteger(checksum)) return undefined;
  return { format, fingerprint, rows, checksum };
}

/** A 32-bit FNV-1a-style hash of the values' bytes, four at a time (every dtype here is 4-byte aligned). */
class Checksum {
  value = 0x811c9dc5 | 0;
  add(column: NumericArray): void {
    const words = new Int32Array(column.buffer, column.byteOffset, column.byteLength >> 2);
    let h = this.value;
    for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i]!, 0x01000193);
    this.value = h;
  }
}

/** Collects what the Arrow writer emits, so it can go to the file with backpressure. */
class Collect extends AsyncByteQueue {
  pending: Uint8Array[] = [];
  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.pending.push(value);
  }
}

/** See writeArrow in cache.ts. */
export async function writeArrowFile<T>(source: ChunkSource<T>, path: string, fingerprint = '', onChunk?: (chunk: Chunk<T>) => void): Promise<{ rows: number }> {
  let rows = 0;
  for await (const chunk of { [Symbol.asyncIterator]: () => writeThrough(source, path, fingerprint, undefined) }) {
    rows += chunk instanceof ColumnChunk ? chunk.size : chunk.length;
    onChunk?.(chunk);
  }
  return { rows };
}

/**
 * Yields the upstream's chunks while appending them to `path + '.tmp-<pid>-<random>'`;
 * renames the file into place only after the epoch ended and the file was synced. An
 * early exit or an error deletes the temporary file: a half-written cache is never seen.
 */
async function* writeThrough<T>(source: ChunkSource<T>, path: string, fingerprint: string, epoch: number | undefined): AsyncGenerator<Chunk<T>, undefined> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  let handle: FileHandle | undefined;
  let done = false;
  const upstream: ChunkIterator<T> = source.open(epoch);
  try {
    handle = await open(tmp, 'w');
    const file = new CacheWriter(handle, fingerprint, source.schema);
    let index = 0;
    while (true) {
      const r = await upstream.next();
      if (r.done) break;
      const chunk = r.value;
      // Copied into the write buffer before the chunk goes downstream, where a
      // mapParallel may move its arrays to a worker.
      await file.add(chunk, index);
      index += chunk instanceof ColumnChunk ? chunk.size : chunk.length;
      yield chunk;
    }
    await file.finish();
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
    const s = await stat(path);
    verified.set(resolve(path), `${statStamp(s)}|${fingerprint}`);
    done = true;
  } finally {
    await handle?.close().catch(() => undefined);
    if (!done) await unlink(tmp).catch(() => undefined);
    await upstream.return?.();
  }
  return undefined;
}

class CacheWriter {
  private readonly writer = new RecordBatchFileWriter();
  private readonly sink = new Collect();
  private schema: ArrowSchema | undefined;
  private written: ArrowSchema | undefined;
  private names: string[] = [];
  private dtypes: Record<string, NumericDType> = {};
  private buffer: Record<string, NumericArray> = {};
  private filled = 0;
  private rows = 0;
  private readonly sum = new Checksum();

  constructor(
    private readonly handle: FileHandle,
    private readonly fingerprint: string,
    private readonly declared: Schema | undefined,
  ) {
    this.writer.reset(this.sink);
  }

  async add(chunk: Chunk<unknown>, index: number): Promise<void> {
    const n = chunk instanceof ColumnChunk ? chunk.size : chunk.length;
    if (n === 0) return;
    if (this.schema === undefined) this.start(chunk, index);
    for (let i = 0; i < n; ) {
      const take = Math.min(BATCH_ROWS - this.filled, n - i);
      if (chunk instanceof ColumnChunk) {
        for (const name of this.names) {
          const col = chunk.columns[name];
          if (col === undefined) throw new StageError('cache', index + i, new Error(`a chunk lacks column '${name}'`));
          this.buffer[name]!.set(col.subarray(i, i + take), this.filled);
        }
      } else {
        for (let k = 0; k < take; k++) {
          const row = chunk[i + k] as Record<string, unknown> | null;
          for (const name of this.names) {
            const v = row?.[name];
            if (typeof v !== 'number') throw new StageError('cache', index + i + k, new Error(`field '${name}' is ${describe(v)}; a file cache stores numeric records only`));
            this.buffer[name]![this.filled + k] = v;
          }
        }
      }
      this.filled += take;
      i += take;
      if (this.filled === BATCH_ROWS) await this.flush();
    }
  }

  async finish(): Promise<void> {
    if (this.schema === undefined) this.start(new ColumnChunk(0, {}), 0);
    await this.flush();
    // The footer repeats the schema and is written last: that is where the totals go. The
    // writer keeps the schema of the first batch it was given (RecordBatch may rebuild the
    // one we passed), so that is the one to stamp.
    const m = (this.written ?? this.schema!).metadata;
    m.set('sluice.rows', String(this.rows));
    m.set('sluice.checksum', String(this.sum.value));
    this.writer.finish();
    await this.drain();
  }

  private start(chunk: Chunk<unknown>, index: number): void {
    if (chunk instanceof ColumnChunk) {
      for (const name in chunk.columns) this.dtypes[name] = dtypeName(chunk.columns[name]!);
    } else {
      const first = chunk[0];
      if (typeof first !== 'object' || first === null || Array.isArray(first)) {
        throw new StageError('cache', index, new Error(`a file cache stores numeric records, got ${describe(first)}; use cache() without a path`));
      }
      for (const name of Object.keys(first)) {
        const d = this.declared?.[name];
        this.dtypes[name] = d === 'int32' || d === 'float32' ? d : 'float64';
      }
    }
    this.names = Object.keys(this.dtypes);
    for (const name of this.names) this.buffer[name] = allocColumn(this.dtypes[name], BATCH_ROWS);
    const meta = new Map([
      ['sluice.format', FORMAT],
      ['sluice.fingerprint', this.fingerprint],
    ]);
    this.schema = arrowSchema(this.dtypes, meta);
  }

  private async flush(): Promise<void> {
    if (this.filled === 0) {
      if (this.rows === 0) this.writer.reset(this.sink, this.schema!);
      return;
    }
    const n = this.filled;
    const columns: Record<string, NumericArray> = {};
    for (const name of this.names) {
      columns[name] = this.buffer[name]!.subarray(0, n);
      this.sum.add(columns[name]);
    }
    const batch = toRecordBatch(this.schema!, new ColumnChunk(n, columns));
    this.written ??= batch.schema;
    this.writer.write(batch);
    await this.drain();
    this.rows += n;
    this.filled = 0;
  }

  private async drain(): Promise<void> {
    const parts = this.sink.pending;
    if (parts.length === 0) return;
    this.sink.pending = [];
    await this.handle.writev(parts);
  }
}

function dtypeName(col: NumericArray): NumericDType {
  return col instanceof Int32Array ? 'int32' : col instanceof Float32Array ? 'float32' : 'float64';
}

const ARROW_TYPES: Record<NumericDType, () => DataType> = {
  int32: () => new Int32(),
  float32: () => new Float32(),
  float64: () => new Float64(),
};

/** An Arrow schema for columns of these dtypes, with string metadata (where cache stamps go). */
export function arrowSchema(columns: Readonly<Record<string, DType>>, metadata: Map<string, string> = new Map()): ArrowSchema {
  const fields = Object.entries(columns).map(([name, dtype]) => {
    if (dtype === 'string') throw new OptionError(`arrow: column '${name}' is a string column; only numeric columns can be written`);
    return new Field(name, ARROW_TYPES[dtype](), false);
  });
  return new ArrowSchema(fields, metadata);
}

/** A columnar chunk as an Arrow record batch; the typed arrays are shared, not copied. */
export function toRecordBatch(schema: ArrowSchema, chunk: ColumnChunk<unknown>): RecordBatch {
  const children = schema.fields.map((f) => {
    const col = chunk.columns[f.name];
    if (col === undefined) throw new OptionError(`arrow: a chunk lacks column '${f.name}'`);
    return makeData({ type: f.type as Int32, length: chunk.size, nullCount: 0, data: col as Int32Array });
  });
  const data = makeData({ type: new Struct(schema.fields), length: chunk.size, nullCount: 0, children });
  return new RecordBatch(schema, data);
}
