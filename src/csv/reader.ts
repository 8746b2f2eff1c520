// csv(): a streaming, re-iterable CSV source with two engines behind one API.
//  - fast: bytes → typed-array column chunks (numeric columns, unquoted files);
//  - general: fast-csv's parser → record objects (quotes, string columns).
// 'auto' starts fast when every selected column is numeric and hands the rest of the epoch
// to the general engine at the first row holding a quote; both give identical records.
// An epoch is a few named steps: open the input, take the header, hold a sample, settle
// the layout (and engine), decode, close the stats.
import { type Chunk, chunkLength, type ChunkSource, type ColumnsOf, type ColumnsOfSchema, type OpenOptions, type Schema } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { type BadRowInfo, SluiceError } from '../errors.js';
import { openBytes } from '../io/bytes.js';
import { isUrl } from '../io/source-kind.js';
import { isS3 } from '../io/remote.js';
import { AutoDecoder } from './auto.js';
import { isMainThread } from 'node:worker_threads';
import { type AllocateColumns, BufferPool } from '../buffer-pool.js';
import { BadRows, COLUMNAR, type CsvStats, emptyStats, schemaOf } from './fields.js';
import { type Vocabulary, vocabulariesFor } from './categorical.js';
import { type CsvLayout, type CsvRecord, GeneralDecoder } from './general.js';
import { sampleRows } from './records.js';
import { SAMPLE_ROWS } from './guess.js';
import { readHeader, takeHeader } from './header.js';
import { lineBlocks } from './lines.js';
import { quotedNewline, quotedNewlineError } from './range-file.js';
import { type CheckedOptions, checkOptions, type CsvColumns, type CsvOptions, type CsvRow, makeLayout } from './options.js';
import { fileFingerprint, type Fingerprinted } from '../io/fingerprint.js';
import { isManyFiles, manyCsvSource } from './many.js';

export type { BadRowPolicy, CsvStats } from './fields.js';
export type { CsvRecord } from './general.js';
export type { CsvColumns, CsvEngine, CsvOptions, CsvRow } from './options.js';
export { checkOptions, type CheckedOptions, makeLayout } from './options.js';

/** The names of the 'category' columns of a dtype map. */
export type CategoryNames<C> = { [K in keyof C]: C[K] extends 'category' ? K : never }[keyof C] & string;

/** A csv Dataset: `stats` holds the figures of the current (or last) epoch. */
export class CsvDataset<T, C = ColumnsOf<T>, V extends string = string> extends Dataset<T, C> {
  constructor(
    source: ChunkSource<T>,
    /** Rows, skipped bad rows, bytes and engine of the current or last epoch. */
    readonly stats: CsvStats,
    /** The vocabulary of each 'category' column (typed by name when `columns` is): word ↔ id, kept across epochs. */
    readonly vocabularies: Readonly<Record<V, Vocabulary>> = {} as Record<V, Vocabulary>,
  ) {
    super(source);
  }
}

/** Bytes held to infer dtypes (and count fields without a header), with SAMPLE_ROWS rows. */
const SAMPLE_BYTES = 64 << 10;
/** Bytes a byte range reads past its end in its first read, for the line that crosses it. */
const RANGE_SLACK = 16 << 10;
const LF = 0x0a;

/**
 * Streams a CSV file (or `.gz` file, http(s) URL, s3:// object) as records; or many files
 * (a list, a directory, a glob such as `data/day-*-x/part-*.csv`, an `s3://bucket/prefix/`)
 * one after another in name order, with one header (a file whose header differs is an error
 * naming it) and the dtypes the first file settles. Each epoch reopens the
 * source; the file is never held whole in memory nor read twice. Line ends may be LF,
 * CRLF or CR-only; a row longer than `maxRowBytes` (16 MiB) is a DataError; a plain file
 * that changes during an epoch is a FileError (never a short epoch).
 * @example
 * const ratings = csv('ratings.csv', {
 *   columns: { userId: 'int32', movieId: 'int32', rating: 'float32' },
 * });
 * for await (const b of ratings.shuffle(100_000).batch(1024)) b.columns.rating; // Float32Array
 * const u = csv('ml-100k/u.data', { delimiter: '\t', header: ['userId', 'itemId', 'rating', 'timestamp'] });
 */
export function csv<const C extends CsvColumns>(pathOrUrl: string | readonly string[], options: CsvOptions & { columns: C }): CsvDataset<CsvRow<C>, ColumnsOfSchema<C>, CategoryNames<C>>;
export function csv<R = CsvRecord>(pathOrUrl: string | readonly string[], options?: CsvOptions): CsvDataset<R>;
export function csv(spec: string | readonly string[], options: CsvOptions = {}): CsvDataset<CsvRecord> {
  if (isManyFiles(spec)) {
    checkOptions(typeof spec === 'string' ? spec : 'csv files', options);
    const stats = options.stats ?? emptyStats();
    return new CsvDataset(manyCsvSource(spec, options, stats, csv), stats);
  }
  const pathOrUrl = spec as string;
  const o = checkOptions(pathOrUrl, options);
  const stats = options.stats ?? emptyStats();
  let schema: Schema | undefined = o.columns && schemaOf(o.columns);
  const vocabularies = vocabulariesFor(o.columns, options.vocabularies);
  let knownSize: number | undefined;
  const { identity: _identity, ...stamped } = o;
  // The fast engine's chunks, given back by the batch stage (recycle); the read blocks of epochs past.
  const memory: EpochMemory = { chunks: new BufferPool(), reads: [] };
  // Made once, not each epoch: a new closure an epoch deoptimised readEpoch where it calls them.
  const setSchema = (s: Schema): void => void (schema = s);
  const setSize = (n: number): void => void (knownSize = n);
  const source: ChunkSource<CsvRecord> & Fingerprinted = {
    get size() {
      return knownSize;
    },
    get schema() {
      return schema;
    },
    open: (_epoch?: number, openOptions?: OpenOptions) => readEpoch(pathOrUrl, o, stats, vocabularies, memory, setSchema, setSize, openOptions?.signal),
    freshChunks: true, // both decoders allocate each chunk's columns (anew or given back) and keep no view of them
    recycle: (chunk) => memory.chunks.giveChunk(chunk),
    // What makes a cache(path) of this file stale: its path, size, mtime, and the options.
    fingerprint: async () => (isUrl(pathOrUrl) || isS3(pathOrUrl) ? JSON.stringify({ url: pathOrUrl, options: stamped }) : fileFingerprint(pathOrUrl, stamped)),
  };
  return new CsvDataset(source, stats, vocabularies);
}

/** What a csv() dataset's epochs hand on to the epochs after them. */
interface EpochMemory {
  /** Memory of the fast engine's chunks. */
  chunks: BufferPool;
  /** Memory of the blocks read (see ReadBytesOptions.memory), at most MAX_SPARE_READ_BYTES of it. */
  reads: ArrayBuffer[];
}
/** Read memory an epoch leaves to the next: an epoch of 1 MiB blocks uses ~8 MiB; more is kept only where epochs overlap. */
const MAX_SPARE_READ_BYTES = 16 << 20;

/** One epoch of csv(): the steps, in order. */
async function* readEpoch(path: string, o: CheckedOptions, stats: CsvStats, vocabularies: Readonly<Record<string, Vocabulary>>, memory: EpochMemory, onSchema: (s: Schema) => void, onSize: (n: number) => void, signal?: AbortSignal): AsyncGenerator<Chunk<CsvRecord>, undefined> {
  Object.assign(stats, emptyStats());
  const input = new Input(path, o, stats, signal, memory.reads);
  try {
    const head = await takeNames(path, o, input);
    const { held, sample } = head === undefined ? { held: [], sample: [] } : await holdSample(o, input, head.first, head.names === undefined || o.columns === undefined);
    const names = head?.names ?? (sample[0] ?? []).map((_, i) => String(i));
    // An empty file (or one of blank lines) is an epoch of no rows, complete.
    if (names.length > 0) {
      const layout = { ...makeLayout(path, o, names, sample), vocabularies: Object.keys(o.columns ?? {}).map((k) => vocabularies[k]) };
      onSchema(schemaOf(Object.fromEntries(layout.outputs.map((x) => [x.name, x.dtype]))));
      yield* decode(layout, o, stats, input, held, memory.chunks);
    }
    stats.complete = true;
    onSize(stats.rows);
  } finally {
    await input.close();
  }
  return undefined;
}

/** The input as runs of whole lines, and the line the decoder is at (for errors raised while reading). */
class Input {
  line = 1;
  private readonly blocks: AsyncGenerator<Buffer, undefined>;
  /** The blocks' memory: spare buffers to read into, and the ones read into, spare again at close. */
  private readonly memory: { spare: ArrayBuffer[]; used: ArrayBuffer[] } | undefined;

  constructor(path: string, o: CheckedOptions, stats: CsvStats, signal?: AbortSignal, spare?: ArrayBuffer[]) {
    const [rangeStart, rangeEnd] = o.byteRange ?? [0, undefined];
    const readFrom = rangeStart > 0 ? rangeStart - 1 : 0;
    // A range reads what it holds plus a little for the line that crosses its end, not a
    // whole chunkBytes block (a block shuffle reads many small ranges).
    const sizes = rangeEnd === undefined ? { chunkBytes: o.chunkBytes } : { chunkBytes: Math.min(o.chunkBytes, rangeEnd - readFrom + RANGE_SLACK), aheadUntil: rangeEnd };
    // reuseAfter: the decoder is done with a block when it asks for the next; a type sample
    // holds the blocks of SAMPLE_BYTES longer (then decoded); pieces of longer lines are copied.
    // Blocks over 4 MiB are fresh (reusing them would keep several alive; they are few).
    const reuseAfter = sizes.chunkBytes <= 4 << 20 ? 4 + Math.ceil(SAMPLE_BYTES / sizes.chunkBytes) : undefined;
    this.memory = reuseAfter === undefined || spare === undefined ? undefined : { spare, used: [] };
    const bytes = openBytes(path, { start: readFrom, ...sizes, ...(reuseAfter === undefined ? {} : { reuseAfter, memory: this.memory }), connectTimeoutMs: o.connectTimeoutMs, idleTimeoutMs: o.idleTimeoutMs, identity: o.identity, ...(o.store === undefined ? {} : { store: o.store }), ...(signal === undefined ? {} : { signal }) });
    this.blocks = lineBlocks(bytes, {
      offset: readFrom,
      alignStart: rangeStart > 0,
      end: rangeEnd,
      onBytes: (n) => (stats.bytes += n),
      maxLineBytes: o.maxRowBytes,
      file: path,
      line: () => this.line,
    });
  }

  async read(): Promise<Buffer | undefined> {
    const r = await this.blocks.next();
    return r.done ? undefined : r.value;
  }

  /** Closes the file; the decoder is done with every block by then, so their memory is spare. */
  async close(): Promise<void> {
    await this.blocks.return(undefined);
    if (this.memory === undefined) return;
    const { spare, used } = this.memory;
    let bytes = spare.reduce((n, b) => n + b.byteLength, 0);
    for (const buffer of used.splice(0)) if ((bytes += buffer.byteLength) <= MAX_SPARE_READ_BYTES) spare.push(buffer);
  }
}

/**
 * The column names (from the header line, the options, or none yet) and the first block
 * of rows; undefined for a file with nothing in it.
 */
async function takeNames(path: string, o: CheckedOptions, input: Input): Promise<{ names: string[] | undefined; first: Buffer | undefined } | undefined> {
  if (o.header !== true) return { names: Array.isArray(o.header) ? [...o.header] : undefined, first: await input.read() };
  if ((o.byteRange?.[0] ?? 0) > 0) return { names: (await readHeader(path, o.delimiter, o.maxRowBytes, o.store)).names ?? [], first: await input.read() };
  const h = await takeHeader(() => input.read(), path, o.delimiter, o.maxRowBytes);
  if (h.names === undefined) return undefined;
  input.line = h.lines;
  return { names: h.names, first: h.rest };
}

/** The first blocks, held (up to SAMPLE_ROWS rows or SAMPLE_BYTES) when dtypes or the field count must be guessed, and their rows. */
async function holdSample(o: CheckedOptions, input: Input, first: Buffer | undefined, needed: boolean): Promise<{ held: Buffer[]; sample: string[][] }> {
  const held = first === undefined || first.length === 0 ? [] : [first];
  if (!needed) return { held, sample: [] };
  let bytes = 0;
  let lines = 0;
  for (const h of held) (bytes += h.length), (lines += countLines(h));
  while (bytes < SAMPLE_BYTES && lines < SAMPLE_ROWS) {
    const more = await input.read();
    if (more === undefined) break;
    held.push(more);
    bytes += more.length;
    lines += countLines(more);
  }
  const text = held.map((b) => b.toString('utf8')).join('');
  return { held, sample: sampleRows(text, o.delimiter, SAMPLE_ROWS, true) ?? [] };
}

/** The engine for the layout: fast when every column is numeric (and the options allow), else general. */
function chooseEngine(layout: CsvLayout, o: CheckedOptions): 'fast' | 'general' {
  const numeric = layout.outputs.every((x) => COLUMNAR.has(x.dtype));
  if (o.engine === 'fast' && !numeric) {
    const strings = layout.outputs.filter((x) => !COLUMNAR.has(x.dtype)).map((x) => `'${x.name}'`);
    throw new SluiceError(`csv: engine 'fast' reads numeric columns only, but ${strings.join(', ')} of '${layout.file}' ${o.columns ? 'are' : 'were inferred as'} 'string'`);
  }
  return numeric && o.engine !== 'general' ? 'fast' : 'general';
}

/**
 * The fast engine's chunk columns, from `memory`: one buffer a chunk on the main thread (one
 * to detach when it comes back); a buffer a column in a worker, whose chunks travel to
 * another thread by transfer (workers/wire.ts moves whole buffers only).
 */
function chunkColumns(memory: BufferPool): AllocateColumns {
  let allocate = allocators.get(memory);
  if (allocate === undefined) {
    allocate = isMainThread ? (dtypes, length) => memory.columns(dtypes, length) : (dtypes, length) => dtypes.map((d) => memory.column(d, length));
    allocators.set(memory, allocate);
  }
  return allocate;
}

/**
 * One allocator per pool (a dataset's, kept from epoch to epoch): each epoch's decoder calls
 * the same function. A new closure an epoch deoptimised the decoder's compiled code as every
 * epoch began (the last epoch's closure inlined there: "wrong call target").
 */
const allocators = new WeakMap<BufferPool, AllocateColumns>();

/** Decodes the held blocks, then the rest of the input, with the engine the layout and options call for. */
async function* decode(layout: CsvLayout, o: CheckedOptions, stats: CsvStats, input: Input, held: Buffer[], memory: BufferPool): AsyncGenerator<Chunk<CsvRecord>, undefined> {
  const bad = new BadRows(o.onBadRow, stats);
  const engine = chooseEngine(layout, o);
  const auto = engine === 'fast' ? new AutoDecoder(layout, bad, input.line, o.chunkRows, o.engine === 'fast', o.maxRowBytes, chunkColumns(memory)) : undefined;
  const general = engine === 'general' ? new GeneralDecoder(layout, bad, input.line, o.chunkRows, o.maxRowBytes) : undefined;
  stats.engine = engine;
  const out: Chunk<CsvRecord>[] = [];
  for (let h = 0; ; h++) {
    const buf = h < held.length ? held[h]! : await input.read();
    if (buf === undefined) break;
    if (h < held.length) held[h] = EMPTY; // let it go once used
    if (o.byteRange !== undefined) refuseQuotedNewline(layout.file, buf, auto?.line ?? general!.line);
    if (auto !== undefined) auto.feed(buf, out);
    else general!.decode(buf.toString('utf8'), true, out);
    input.line = auto?.line ?? general!.line;
    for (const chunk of out) yield count(stats, chunk);
    out.length = 0;
  }
  if (auto !== undefined) auto.finish(out);
  else {
    general!.decode('', false, out);
    general!.flush(out);
  }
  for (const chunk of out) yield count(stats, chunk);
  return undefined;
}

/** A range's lines are read apart from the lines before them: a field across a newline cannot be (range-file.ts). */
function refuseQuotedNewline(file: string, buf: Buffer, line: number): void {
  if (buf.indexOf(0x22) < 0) return;
  const at = quotedNewline(buf);
  if (at < 0) return;
  let from = 0;
  for (let l = 1; l < at; l++) from = buf.indexOf(LF, from) + 1;
  throw quotedNewlineError(file, line + at - 1, buf.toString('utf8', from, Math.min(buf.length, from + 200)));
}

function count(stats: CsvStats, chunk: Chunk<CsvRecord>): Chunk<CsvRecord> {
  stats.rows += chunkLength(chunk);
  return chunk;
}

const EMPTY = Buffer.alloc(0);

function countLines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(LF); i !== -1; i = buf.indexOf(LF, i + 1)) n++;
  return n;
}

export type { BadRowInfo };
