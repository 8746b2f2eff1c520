// Writing the file cache: chunks into Arrow record batches, batches into the file with
// backpressure, and the stamp in the footer: format, fingerprint, rows, and a SHA-256 over
// every byte before the footer and over the footer's schema and metadata (stampDigest).
// Between the end-of-stream marker and the footer (where Arrow readers never look) goes a
// trailer holding the footer's own SHA-256: a reader checks the footer's bytes before it
// decodes them, so a flipped length inside the footer cannot make a decoder loop or allocate.
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
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
  Schema as ArrowSchema,
  Struct,
} from 'apache-arrow';
import { allocColumn, type Chunk, ColumnChunk, type DType, type NumericArray, type NumericDType, type Schema } from '../chunk.js';
import { describe, OptionError, StageError } from '../errors.js';
import { FileError } from '../io/file.js';

export const FORMAT = 'sluice-cache-3';
/** Rows per record batch written: large batches make reading the cache cheap. */
const BATCH_ROWS = 1 << 16;
/** What the Arrow file writer puts between the last batch and the footer (end-of-stream marker). */
export const EOS = Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
/** The trailer before the footer: this tag, then the footer's SHA-256 (40 bytes, 8-aligned). */
export const TRAILER_TAG = Buffer.from('SLUICEFT', 'latin1');
export const TRAILER_BYTES = TRAILER_TAG.length + 32;
/** After the footer: its int32 length and 'ARROW1'. */
export const END_BYTES = 10;

/**
 * The digest a cache is stamped with: SHA-256 of the footer's schema (names, types) and
 * metadata (the digest itself left out), then of the hex digest of the bytes before the
 * footer. A flipped bit anywhere (a value, a column name, the row count) changes it.
 */
export function stampDigest(schema: ArrowSchema, bodyDigest: string): string {
  const fields = schema.fields.map((f) => [f.name, String(f.type), f.nullable]);
  const meta = [...schema.metadata.entries()].filter(([k]) => k !== 'sluice.checksum').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify({ fields, meta, bodyDigest })).digest('hex');
}

/** Collects what the Arrow writer emits, so it can go to the file with backpressure. */
class Collect extends AsyncByteQueue {
  pending: Uint8Array[] = [];
  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.pending.push(value);
  }
}

export class CacheWriter {
  private readonly writer = new RecordBatchFileWriter();
  private readonly sink = new Collect();
  private schema: ArrowSchema | undefined;
  private written: ArrowSchema | undefined;
  private names: string[] = [];
  private dtypes: Record<string, NumericDType> = {};
  private buffer: Record<string, NumericArray> = {};
  private filled = 0;
  private rows = 0;
  /** SHA-256 of every byte written before the footer. */
  private readonly body: Hash = createHash('sha256');
  private footer = false;

  constructor(
    private readonly handle: FileHandle,
    /** The file being written, for errors. */
    private readonly path: string,
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
    const schema = this.written ?? this.schema!;
    schema.metadata.set('sluice.rows', String(this.rows));
    await this.drain();
    this.body.update(EOS);
    schema.metadata.set('sluice.checksum', stampDigest(schema, this.body.digest('hex')));
    this.footer = true;
    this.writer.finish();
    // What finish() emitted: the end-of-stream marker, the footer, its length and the magic.
    const end = Buffer.concat(this.sink.pending);
    const footer = end.subarray(EOS.length, end.length - END_BYTES);
    if (!end.subarray(0, EOS.length).equals(EOS) || footer.length !== end.readInt32LE(end.length - END_BYTES)) {
      throw new FileError(this.path, new Error('unexpected Arrow file ending (the cache format needs updating)'), 'write');
    }
    this.sink.pending = [EOS, TRAILER_TAG, createHash('sha256').update(footer).digest(), end.subarray(EOS.length)];
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
    if (!this.footer) for (const part of parts) this.body.update(part);
    try {
      await this.handle.writev(parts);
    } catch (e) {
      throw new FileError(this.path, e, 'write');
    }
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
