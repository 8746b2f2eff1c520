// Byte ranges of one CSV file decoded one after another, for the block shuffle: the file
// stays open, the column layout is settled once, and a range costs one positioned read and
// one pass of the fast decoder. csv(path, { byteRange }) reads a range the same way, but
// opens the file, checks its options and builds its stream anew each time: about half a
// millisecond a range, which a shuffle that reads hundreds of 1 MiB blocks an epoch feels.
import { open } from 'node:fs/promises';
import { allocColumn, type Chunk, ColumnChunk, dtypeOf, type NumericArray, type NumericDType } from '../chunk.js';
import { checkOptions, type CheckedOptions, type CsvOptions, makeLayout } from './options.js';
import { loadReader } from './lazy-reader.js';
import type { AllocateColumns } from '../buffer-pool.js';
import { FastDecoder, Stop } from './fast.js';
import { BadRows, COLUMNAR, emptyStats } from './fields.js';
import { rejectCategories } from './categorical.js';
import type { CsvLayout, CsvRecord } from './general.js';
import { DataError, StageError } from '../errors.js';
import { FileError } from '../io/file.js';
import { bomLength, crOnlyError, lineEnd } from './lines.js';
import type { PositionedReader } from '../io/remote.js';
import { absoluteError, checkHandle } from './range-file.js';
import { type SimdRows, simdRows } from './simd.js';
import type { BlockDealer } from '../shuffle/dealer.js';
import type { BlockRows } from '../shuffle/windows.js';
import { randomState } from '../random.js';

const LF = 0x0a;
/** Bytes read past a range's end in the first read, for the line that crosses it. */
const SLACK = 16 << 10;

/**
 * Reads ranges of `path`: `read(start, end)` gives the rows that start in [start, end), as
 * csv(path, { ...options, byteRange: [start, end] }) would. `options` must name the
 * columns and give the header as names (a range cannot infer them); a range with quoted
 * fields, or columns that are not all numeric, is read by csv() itself.
 * @example
 * const ranges = new CsvRanges('ratings.csv', { columns, header: ['userId', 'movieId', 'rating', 'timestamp'] });
 * const chunks = await ranges.read(1 << 20, 2 << 20);
 * await ranges.close();
 */
export class CsvRanges {
  private readonly o: CheckedOptions;
  private readonly layout: CsvLayout | undefined;
  /** The WebAssembly kernel for this layout, where it decodes it (readDealt). */
  private readonly simd: SimdRows | undefined;
  private file: Promise<PositionedReader> | undefined;
  /** Rows per byte seen so far, to size each range's columns. */
  private density = 0;
  /** Bad rows skipped under onBadRow 'skip' by the ranges read so far. */
  skipped = 0;
  /** Columns given back by recycle(), by dtype, for the next ranges to decode into. */
  private columns = new Map<NumericDType, NumericArray[]>();

  constructor(
    private readonly path: string,
    private readonly options: CsvOptions,
    /** Opens what the bytes come from: default the file at `path`; a remote object's positioned reader for s3:// or http(s). */
    private readonly opener: () => Promise<PositionedReader> = () => open(path, 'r'),
    /** Bytes read past a range's end for the line that crosses it (smaller for remote blocks: each is a request). */
    private readonly slack = SLACK,
    /**
     * Read buffers not in use (ranges may be read concurrently); each grows as needed. Shared
     * by the readers of one file's epochs (shuffledCsv), so that a later epoch reads into
     * memory an earlier one faulted in (~800 fresh pages an epoch on this thread otherwise).
     */
    private readonly buffers: { bytes: Buffer }[] = [],
  ) {
    this.o = checkOptions(path, options);
    rejectCategories('csv byte ranges', this.o.columns);
    const names = this.o.header;
    const numeric = this.o.columns !== undefined && Object.values(this.o.columns).every((d) => COLUMNAR.has(d));
    // Only the fast path is done here; anything else goes through csv().
    this.layout = Array.isArray(names) && numeric && this.o.engine !== 'general' ? makeLayout(path, this.o, [...names], []) : undefined;
    this.simd = this.layout === undefined ? undefined : simdRows(this.layout);
  }

  /** The rows that start in [start, end); their columns from `into` when given (see ColumnArena). */
  async read(start: number, end: number, into?: ColumnArena): Promise<Chunk<CsvRecord>[]> {
    return (await this.readCounted(start, end, into)).chunks;
  }

  /** read(), and the bad rows this range skipped (reads run concurrently: `skipped` is their total). */
  async readCounted(start: number, end: number, into?: ColumnArena): Promise<{ chunks: Chunk<CsvRecord>[]; skipped: number }> {
    const count = { skipped: 0 };
    try {
      let chunks: Chunk<CsvRecord>[];
      if (this.layout === undefined) chunks = await this.viaCsv(start, end, count);
      else {
        const buffer = this.buffers.pop() ?? { bytes: Buffer.alloc(0) };
        try {
          chunks = await this.decode(this.layout, buffer, start, end, into, count);
        } finally {
          this.buffers.push(buffer);
        }
      }
      this.skipped += count.skipped;
      return { chunks, skipped: count.skipped };
    } catch (error) {
      throw await this.rangeError(error, start, end);
    }
  }

  /**
   * The rows that start in [start, end), read once and laid out in a random order (see
   * RangeReader.readDealt): decoded and dealt in one pass by the fast engine's kernel, or,
   * for a block it declines (a bad row, a quote, a long row, a block denser than the ones
   * before), decoded from the same bytes by the byte loop and dealt by `dealer`: the same rows
   * in the same order either way. Undefined when the columns do not pack into 4-byte values.
   */
  async readDealt(start: number, end: number, block: { id: number; seed: number }, dealer: BlockDealer<CsvRecord>): Promise<BlockRows<CsvRecord> | undefined> {
    const { layout, simd } = this;
    if (layout === undefined || simd === undefined || !simd.packs) return undefined;
    const buffer = this.buffers.pop() ?? { bytes: Buffer.alloc(0) };
    try {
      const data = await this.bytes(buffer, start, end);
      if (data === undefined) return dealer.deal(block.id, [], block.seed);
      // Rows at most: from the density of the ranges read so far; none yet, the kernel's
      // loose bound (a row a field's two bytes) for a small block, the byte loop for a large one.
      const values = this.density === 0 && data.length > 4 << 20 ? undefined : simd.decodeDealt(data, randomState(block.seed), this.density > 0 ? Math.ceil(data.length * this.density * 1.25) + 64 : undefined);
      if (values === undefined) {
        const count = { skipped: 0 };
        const chunks = await this.decodeData(layout, data, start, end, undefined, count);
        this.skipped += count.skipped;
        const dealt = dealer.deal(block.id, chunks, block.seed);
        this.recycle(chunks);
        return dealt;
      }
      const count = values.length / layout.outputs.length;
      this.density = Math.max(this.density, count / data.length);
      return { id: block.id, count, slots: dealer.packed(simd.layout, values) };
    } catch (error) {
      throw await this.rangeError(error, start, end);
    } finally {
      this.buffers.push(buffer);
    }
  }

  /** A bad row's line counted from the file's start; a file problem as it is; else the range named. */
  private async rangeError(error: unknown, start: number, end: number): Promise<Error> {
    const e = await absoluteError(error, start, () => this.opened());
    return e instanceof DataError || e instanceof FileError ? e : new StageError(`csv '${this.path}' bytes [${start}, ${end})`, undefined, e);
  }

  /** The file, opened by the first range that needs it (ranges are read concurrently). */
  private opened(): Promise<PositionedReader> {
    this.file ??= this.opener().catch((e: unknown) => Promise.reject(new FileError(this.path, e)));
    return this.file;
  }

  /**
   * Takes back the columns of chunks that read() returned and the caller is done with (it
   * copied the rows elsewhere): later ranges decode into them instead of fresh memory.
   */
  recycle(chunks: Chunk<CsvRecord>[]): void {
    for (const chunk of chunks) {
      if (!(chunk instanceof ColumnChunk)) continue;
      for (const name in chunk.columns) {
        const column = chunk.columns[name]!;
        const dtype = dtypeOf(column);
        const whole = dtype === 'int32' ? new Int32Array(column.buffer) : dtype === 'float32' ? new Float32Array(column.buffer) : new Float64Array(column.buffer);
        const pool = this.columns.get(dtype) ?? [];
        if (pool.length < 8) pool.push(whole);
        this.columns.set(dtype, pool);
      }
    }
  }

  /**
   * Closes the file; call it once no read is in flight. The reader can read again (it
   * reopens the file) and keeps its buffers, so one reader serves many windows.
   */
  async close(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    await (await file?.catch(() => undefined))?.close();
  }

  /** A column of at least `length` values: a recycled one when one is large enough. */
  private allocate = (dtype: NumericDType, length: number): NumericArray => {
    const pool = this.columns.get(dtype);
    while (pool !== undefined && pool.length > 0) {
      const column = pool.pop()!;
      if (column.length >= length) return column.subarray(0, length);
    }
    return allocColumn(dtype, Math.ceil(length / 4096) * 4096); // rounded up, so that it serves later ranges too
  };

  private async decode(layout: CsvLayout, buffer: { bytes: Buffer }, start: number, end: number, into: ColumnArena | undefined, count: { skipped: number }): Promise<Chunk<CsvRecord>[]> {
    const data = await this.bytes(buffer, start, end);
    return data === undefined ? [] : this.decodeData(layout, data, start, end, into, count);
  }

  /** The rows of `data` (the bytes of range [start, end)) as chunks, by the fast engine (a quoted field: the general engine, through csv()). */
  private async decodeData(layout: CsvLayout, data: Buffer, start: number, end: number, into: ColumnArena | undefined, count: { skipped: number }): Promise<Chunk<CsvRecord>[]> {
    const estimate = this.density > 0 ? Math.ceil(data.length * this.density * 1.05) + 16 : 4096;
    const allocate: AllocateColumns = (dtypes, length) => dtypes.map((d) => into?.column(d, length) ?? this.allocate(d, length));
    const stats = emptyStats();
    const fast = new FastDecoder(layout, new BadRows(this.o.onBadRow, stats), 1, estimate, this.o.engine === 'fast', allocate);
    const chunks: Chunk<CsvRecord>[] = [];
    let rows = 0;
    for (let pos = 0; ; ) {
      pos = fast.decode(data, pos);
      if (fast.stop !== Stop.Full) break;
      rows += fast.size;
      chunks.push(fast.take());
    }
    if (fast.stop === Stop.Quote) return this.viaCsv(start, end, count); // quoted fields: the general engine's job
    if (fast.size > 0) {
      rows += fast.size;
      chunks.push(fast.take());
    }
    this.density = Math.max(this.density, rows / data.length);
    count.skipped = stats.skipped;
    return chunks;
  }

  /** The bytes of the rows that start in [start, end), ending with a newline; undefined if none do. */
  private async bytes(buffer: { bytes: Buffer }, start: number, end: number): Promise<Buffer | undefined> {
    if (end <= start) return undefined;
    const file = await this.opened();
    const from = start > 0 ? start - 1 : 0; // the byte before a row's start is a newline
    for (let want = end - from + this.slack; ; want *= 2) {
      if (buffer.bytes.length < want) buffer.bytes = Buffer.allocUnsafe(want);
      let n: number;
      try {
        n = (await file.read(buffer.bytes, 0, want, from)).bytesRead;
      } catch (e) {
        throw new FileError(this.path, e);
      }
      await checkHandle(this.path, file, this.o.identity);
      const buf = buffer.bytes.subarray(0, n);
      // A CR-only file has no line a range can find: refused, never read as no rows.
      if (lineEnd(buf) === 'cr' || (n < want && buf.indexOf(LF) < 0 && lineEnd(Buffer.concat([buf, Buffer.of(LF)])) === 'cr')) throw crOnlyError(this.path, 1);
      if (want > this.o.maxRowBytes + (end - from) + this.slack) throw new DataError({ file: this.path, line: 1, raw: '', reason: `a line crossing byte ${end} is longer than maxRowBytes (${this.o.maxRowBytes} bytes)` });
      let first = 0;
      if (start > 0) {
        const nl = buf.indexOf(LF);
        if (nl < 0 || from + nl + 1 >= end) return undefined; // no row starts in the range
        first = nl + 1;
      } else first = bomLength(buf);
      if (from + first >= end) return undefined;
      const last = buf.indexOf(LF, Math.max(first, end - 1 - from));
      if (last >= 0) return buf.subarray(first, last + 1);
      if (n < want) return Buffer.concat([buf.subarray(first), Buffer.of(LF)]); // the file's last line has no newline
      // The line that crosses the end is longer than the slack: read more.
    }
  }

  private async viaCsv(start: number, end: number, count: { skipped: number }): Promise<Chunk<CsvRecord>[]> {
    const chunks: Chunk<CsvRecord>[] = [];
    const { csv } = await loadReader();
    const ds = csv(this.path, { ...this.options, byteRange: [start, end] });
    for await (const chunk of ds.chunks()) chunks.push(chunk);
    count.skipped = ds.stats.skipped;
    return chunks;
  }
}

/**
 * Columns cut from shared memory that the consuming thread owns and reuses: a worker that
 * decodes into it hands over chunks it did not allocate, and the consumer copies them out
 * and frees the arena for another range. Columns a worker allocates itself and moves away
 * are freed on the other thread, so every range costs it fresh memory: a worker decoded at
 * 0.8× the main thread's speed that way, and at its speed with arenas.
 */
export class ColumnArena {
  private at = 0;

  constructor(readonly memory: SharedArrayBuffer) {}

  /** A column of `length` values, or undefined once the arena is full. */
  column(dtype: NumericDType, length: number): NumericArray | undefined {
    const width = dtype === 'float64' ? 8 : 4;
    const at = Math.ceil(this.at / 8) * 8;
    if (at + length * width > this.memory.byteLength) return undefined;
    this.at = at + length * width;
    return dtype === 'int32' ? new Int32Array(this.memory, at, length) : dtype === 'float32' ? new Float32Array(this.memory, at, length) : new Float64Array(this.memory, at, length);
  }
}
