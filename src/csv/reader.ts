// csv(): a streaming, re-iterable CSV source with two engines behind one API.
//  - fast: bytes → typed-array column chunks (numeric columns, unquoted files);
//  - general: fast-csv's parser → record objects (quotes, string columns).
// 'auto' starts fast when every selected column is numeric and hands the rest of the epoch
// to the general engine at the first row holding a quote; both give identical records.
import { type Chunk, chunkLength, CHUNK_SIZE, type ChunkSource, type ColumnsOf, type ColumnsOfSchema, type DType, type Schema } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { type BadRowInfo, describe, OptionError, SluiceError } from '../errors.js';
import { isUrl, openBytes, supportsByteRange } from '../io/bytes.js';
import type { ObjectStoreOptions } from '../io/object-store.js';
import { isS3 } from '../io/remote.js';
import { FastDecoder, Stop } from './fast.js';
import { BadRows, type BadRowPolicy, type CsvStats, emptyStats, inferDType, NUMERIC } from './fields.js';
import { countNewlines, type CsvLayout, type CsvRecord, GeneralDecoder, splitRows } from './general.js';
import { lineBlocks } from './lines.js';
import { fileFingerprint, type Fingerprinted } from '../io/fingerprint.js';

export type { BadRowPolicy, CsvStats } from './fields.js';
export type { CsvRecord } from './general.js';

/** Column name → dtype: selects and types columns (the others are dropped). */
export type CsvColumns = Readonly<Record<string, DType>>;

/** The record type that a `columns` map describes. */
export type CsvRow<C extends CsvColumns> = { -readonly [K in keyof C]: C[K] extends 'string' ? string : number };

export type CsvEngine = 'auto' | 'fast' | 'general';

export interface CsvOptions {
  /**
   * true (default): the first line names the columns. false: no header; columns are named
   * '0', '1', … string[]: no header line; these are the names (e.g. ml-100k `u.data`).
   */
  header?: boolean | readonly string[];
  /** Field separator of one or more characters: ',' (default), '\t', '::' (ml-1m). */
  delimiter?: string;
  /**
   * Selects and types columns, in this order. Omitted: every column, dtypes inferred from the
   * first rows (up to 1000 rows or 64 KiB): integers in int32 range written without a point →
   * 'int32'; other numbers → 'float64'; anything else → 'string'.
   */
  columns?: CsvColumns;
  /** A wrong field count, a non-number in a numeric column, a bad quote: 'error' (default), 'skip', or a callback (the row is skipped). */
  onBadRow?: BadRowPolicy;
  /** 'auto' (default): fast when every selected column is numeric. 'fast' rejects quoted rows as bad rows. */
  engine?: CsvEngine;
  /**
   * Only the rows that start in bytes [start, end) of a plain file: the ranges of a split
   * partition the rows exactly once. Assumes no newline inside a quoted field. Line numbers
   * in errors then count from the range's first row.
   */
  byteRange?: readonly [number, number];
  /** An object to fill with each epoch's figures (also readable as `dataset.stats`). */
  stats?: CsvStats;
  /** Bytes per read of a plain file. Default 1 MiB. */
  chunkBytes?: number;
  /** Rows per chunk handed downstream. Default CHUNK_SIZE (4096). */
  chunkRows?: number;
  /** For `s3://` objects and ranges of URLs: credentials, endpoint, concurrency, retries, block cache (default: the AWS env vars). */
  store?: ObjectStoreOptions;
}

/** A csv Dataset: `stats` holds the figures of the current (or last) epoch. */
export class CsvDataset<T, C = ColumnsOf<T>> extends Dataset<T, C> {
  constructor(
    source: ChunkSource<T>,
    /** Rows, skipped bad rows, bytes and engine of the current or last epoch. */
    readonly stats: CsvStats,
  ) {
    super(source);
  }
}

/** Rows and bytes held to infer dtypes (and count fields without a header). */
const SAMPLE_ROWS = 1000;
const SAMPLE_BYTES = 64 << 10;
/** Bytes a byte range reads past its end in its first read, for the line that crosses it. */
const RANGE_SLACK = 16 << 10;
const LF = 0x0a;
const QUOTE = 0x22;

/**
 * Streams a CSV file (or `.gz` file, or http(s) URL) as records. Each epoch reopens the
 * source; the file is never held whole in memory nor read twice.
 * @example
 * const ratings = csv('ratings.csv', {
 *   columns: { userId: 'int32', movieId: 'int32', rating: 'float32' },
 * });
 * for await (const b of ratings.shuffle(100_000).batch(1024)) b.columns.rating; // Float32Array
 * const u = csv('ml-100k/u.data', { delimiter: '\t', header: ['userId', 'itemId', 'rating', 'timestamp'] });
 */
export function csv<const C extends CsvColumns>(pathOrUrl: string, options: CsvOptions & { columns: C }): CsvDataset<CsvRow<C>, ColumnsOfSchema<C>>;
export function csv<R = CsvRecord>(pathOrUrl: string, options?: CsvOptions): CsvDataset<R>;
export function csv(pathOrUrl: string, options: CsvOptions = {}): CsvDataset<CsvRecord> {
  const o = checkOptions(pathOrUrl, options);
  const stats = options.stats ?? emptyStats();
  let schema: Schema | undefined = o.columns;
  let knownSize: number | undefined;
  const source: ChunkSource<CsvRecord> & Fingerprinted = {
    get size() {
      return knownSize;
    },
    get schema() {
      return schema;
    },
    open: (_epoch, openOptions) => run(openOptions?.signal),
    freshChunks: true, // both decoders allocate each chunk's columns anew and keep no view of them
    // What makes a cache(path) of this file stale: its path, size, mtime, and the options.
    fingerprint: async () => (isUrl(pathOrUrl) || isS3(pathOrUrl) ? JSON.stringify({ url: pathOrUrl, options: o }) : fileFingerprint(pathOrUrl, o)),
  };
  return new CsvDataset(source, stats);

  async function* run(signal: AbortSignal | undefined): AsyncGenerator<Chunk<CsvRecord>, undefined> {
    Object.assign(stats, emptyStats());
    const [rangeStart, rangeEnd] = o.byteRange ?? [0, undefined];
    const readFrom = rangeStart > 0 ? rangeStart - 1 : 0;
    // A range reads what it holds plus a little for the line that crosses its end, not a
    // whole chunkBytes block (a block shuffle reads many small ranges).
    const byteOptions = rangeEnd === undefined ? { chunkBytes: o.chunkBytes } : { chunkBytes: Math.min(o.chunkBytes, rangeEnd - readFrom + RANGE_SLACK), aheadUntil: rangeEnd };
    const blocks = lineBlocks(openBytes(pathOrUrl, { start: readFrom, ...byteOptions, ...(options.store === undefined ? {} : { store: options.store }), signal }), {
      offset: readFrom,
      alignStart: rangeStart > 0,
      end: rangeEnd,
      onBytes: (n) => (stats.bytes += n),
    });
    try {
      const read = async (): Promise<Buffer | undefined> => {
        const r = await blocks.next();
        return r.done ? undefined : r.value;
      };
      let line = 1;
      let names: string[] | undefined = Array.isArray(o.header) ? [...o.header] : undefined;
      let seg = await read();
      let pos = 0;
      if (o.header === true) {
        if (rangeStart > 0) names = await headerOf(pathOrUrl, o.delimiter, options.store);
        else {
          // Blank lines before the header are passed over.
          for (;;) {
            if (seg === undefined) break;
            while (pos < seg.length && (seg[pos] === LF || (seg[pos] === 0x0d && seg[pos + 1] === LF))) {
              pos += seg[pos] === LF ? 1 : 2;
              line++;
            }
            if (pos < seg.length) break;
            seg = await read();
            pos = 0;
          }
          if (seg === undefined) return undefined; // empty file
          let end = recordEnd(seg, pos);
          while (end < 0) {
            // A quoted newline in the header: join the next run of lines.
            const more = await read();
            if (more === undefined) break;
            seg = Buffer.concat([seg.subarray(pos), more]);
            pos = 0;
            end = recordEnd(seg, pos);
          }
          if (end < 0) end = seg.length - 1;
          const text = seg.toString('utf8', pos, end + 1);
          names = splitRows(text, o.delimiter)[0] ?? [];
          line += countNewlines(text);
          pos = end + 1;
        }
      }
      // Hold the first rows (bounded) to count fields and infer dtypes.
      const held: Buffer[] = [];
      let heldBytes = 0;
      let heldLines = 0;
      if (seg !== undefined && pos < seg.length) held.push(pos > 0 ? seg.subarray(pos) : seg);
      else if (seg !== undefined) seg = undefined;
      const needSample = names === undefined || o.columns === undefined;
      if (needSample) {
        for (const h of held) (heldBytes += h.length), (heldLines += countLines(h));
        while (heldBytes < SAMPLE_BYTES && heldLines < SAMPLE_ROWS) {
          const more = await read();
          if (more === undefined) break;
          held.push(more);
          heldBytes += more.length;
          heldLines += countLines(more);
        }
      }
      const sample = needSample ? sampleRows(held, o.delimiter) : [];
      if (names === undefined) names = (sample[0] ?? []).map((_, i) => String(i));
      if (names.length === 0) return undefined; // nothing to read
      const layout = makeLayout(pathOrUrl, o, names, sample);
      schema = Object.fromEntries(layout.outputs.map((x) => [x.name, x.dtype]));
      const numeric = layout.outputs.every((x) => NUMERIC.has(x.dtype));
      if (o.engine === 'fast' && !numeric) {
        throw new SluiceError(`csv: engine 'fast' reads numeric columns only, but ${layout.outputs.filter((x) => !NUMERIC.has(x.dtype)).map((x) => `'${x.name}'`).join(', ')} of '${pathOrUrl}' ${o.columns ? 'are' : 'were inferred as'} 'string'`);
      }

      const bad = new BadRows(o.onBadRow, stats);
      let fast = numeric && o.engine !== 'general' ? new FastDecoder(layout, bad, line, o.chunkRows, o.engine === 'fast') : undefined;
      let general = fast === undefined ? new GeneralDecoder(layout, bad, line, o.chunkRows) : undefined;
      stats.engine = fast ? 'fast' : 'general';
      const out: Chunk<CsvRecord>[] = [];

      for (let h = 0; ; h++) {
        const buf = h < held.length ? held[h]! : await read();
        if (buf === undefined) break;
        if (h < held.length) held[h] = EMPTY; // let it go once used
        let p = 0;
        if (fast !== undefined) {
          for (;;) {
            p = fast.decode(buf, p);
            if (fast.stop === Stop.Full) {
              const chunk = fast.take();
              stats.rows += chunk.size;
              yield chunk;
            } else break;
          }
          if (fast.stop === Stop.Quote) {
            // Quoted fields from here on: the general engine takes over for the rest of the epoch.
            if (fast.size > 0) {
              const chunk = fast.take();
              stats.rows += chunk.size;
              yield chunk;
            }
            general = new GeneralDecoder(layout, bad, fast.line, o.chunkRows);
            fast = undefined;
            stats.engine = 'general';
          }
        }
        if (general !== undefined && p < buf.length) {
          general.decode(buf.toString('utf8', p), true, out);
          for (const chunk of out) {
            stats.rows += chunkLength(chunk);
            yield chunk;
          }
          out.length = 0;
        }
      }
      if (fast !== undefined && fast.size > 0) {
        const chunk = fast.take();
        stats.rows += chunk.size;
        yield chunk;
      }
      if (general !== undefined) {
        general.decode('', false, out);
        general.flush(out);
        for (const chunk of out) {
          stats.rows += chunkLength(chunk);
          yield chunk;
        }
      }
      stats.complete = true;
      knownSize = stats.rows;
    } finally {
      await blocks.return(undefined);
    }
    return undefined;
  }
}

const EMPTY = Buffer.alloc(0);

export interface CheckedOptions {
  header: boolean | readonly string[];
  delimiter: string;
  columns: CsvColumns | undefined;
  onBadRow: BadRowPolicy;
  engine: CsvEngine;
  byteRange: readonly [number, number] | undefined;
  chunkBytes: number;
  chunkRows: number;
}

const DTYPES = ['int32', 'float32', 'float64', 'string'];

/** @internal Validates csv() options (shared with the range reader). */
export function checkOptions(path: string, options: CsvOptions): CheckedOptions {
  if (typeof path !== 'string' || path === '') throw new OptionError(`csv: path must be a non-empty string, got ${describe(path)}`);
  if (options === null || typeof options !== 'object') throw new OptionError(`csv: options must be an object, got ${describe(options)}`);
  const delimiter = options.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter === '' || /["\r\n]/.test(delimiter)) {
    throw new OptionError(`csv: delimiter must be a non-empty string without quotes or newlines, got ${describe(delimiter)}`);
  }
  const header = options.header ?? true;
  if (Array.isArray(header)) {
    if (header.length === 0 || header.some((h) => typeof h !== 'string')) throw new OptionError(`csv: header must be true, false or a non-empty array of column names, got ${describe(header)}`);
    if (new Set(header).size !== header.length) throw new OptionError(`csv: header names must be distinct, got ${JSON.stringify(header)}`);
  } else if (typeof header !== 'boolean') throw new OptionError(`csv: header must be true, false or an array of column names, got ${describe(header)}`);
  const columns = options.columns;
  if (columns !== undefined) {
    if (columns === null || typeof columns !== 'object' || Array.isArray(columns)) throw new OptionError(`csv: columns must be an object of name → dtype, got ${describe(columns)}`);
    const entries = Object.entries(columns);
    if (entries.length === 0) throw new OptionError('csv: columns must select at least one column');
    for (const [name, dtype] of entries) {
      if (!DTYPES.includes(dtype)) throw new OptionError(`csv: columns.${name} must be one of ${DTYPES.map((d) => `'${d}'`).join(', ')}, got ${describe(dtype)}`);
      if (Array.isArray(header) && !header.includes(name)) throw new OptionError(`csv: column '${name}' is not among the header names (${header.join(', ')})`);
    }
  }
  const onBadRow = options.onBadRow ?? 'error';
  if (onBadRow !== 'error' && onBadRow !== 'skip' && typeof onBadRow !== 'function') {
    throw new OptionError(`csv: onBadRow must be 'error', 'skip' or a function, got ${describe(onBadRow)}`);
  }
  const engine = options.engine ?? 'auto';
  if (engine !== 'auto' && engine !== 'fast' && engine !== 'general') throw new OptionError(`csv: engine must be 'auto', 'fast' or 'general', got ${describe(engine)}`);
  if (engine === 'fast' && columns !== undefined) {
    const strings = Object.keys(columns).filter((k) => columns[k] === 'string');
    if (strings.length > 0) throw new OptionError(`csv: engine 'fast' reads numeric columns only; ${strings.map((s) => `'${s}'`).join(', ')} is 'string' (use engine 'general' or 'auto')`);
  }
  const range = options.byteRange;
  if (range !== undefined) {
    if (!Array.isArray(range) || range.length !== 2 || !range.every((x) => Number.isInteger(x) && x >= 0) || range[0] > range[1]) {
      throw new OptionError(`csv: byteRange must be [start, end] with integers 0 <= start <= end, got ${JSON.stringify(range)}`);
    }
    if (!supportsByteRange(path)) throw new OptionError(`csv: byteRange needs a file, an s3:// object or a URL, not a .gz file ('${path}')`);
  }
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) throw new OptionError(`csv: chunkBytes must be an integer >= 1, got ${describe(chunkBytes)}`);
  const chunkRows = options.chunkRows ?? CHUNK_SIZE;
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new OptionError(`csv: chunkRows must be an integer >= 1, got ${describe(chunkRows)}`);
  return { header, delimiter, columns: columns === undefined ? undefined : { ...columns }, onBadRow, engine, byteRange: range, chunkBytes, chunkRows };
}

/** @internal Which fields are read, and as what (shared with the range reader). */
export function makeLayout(file: string, o: CheckedOptions, names: string[], sample: string[][]): CsvLayout {
  let selected: [string, DType][];
  if (o.columns !== undefined) {
    selected = Object.entries(o.columns);
    for (const [name] of selected) {
      if (!names.includes(name)) throw new SluiceError(`csv: column '${name}' is not in '${file}' (its columns: ${names.join(', ')})`);
    }
  } else {
    const dup = names.find((name, i) => names.indexOf(name) !== i);
    if (dup !== undefined) throw new SluiceError(`csv: column '${dup}' appears twice in the header of '${file}'; pass columns (the first one is used) or header names`);
    const rows = sample.filter((r) => r.length === names.length);
    selected = names.map((name, i) => [name, inferDType(rows.map((r) => r[i]!))]);
  }
  return {
    file,
    delimiter: o.delimiter,
    fieldNames: names,
    outputs: selected.map(([name, dtype]) => ({ name, field: names.indexOf(name), dtype })),
  };
}

/** Index of the newline ending the record that starts at `pos` (quote-aware), or -1. */
function recordEnd(buf: Buffer, pos: number): number {
  let inQuote = false;
  for (let i = pos; i < buf.length; i++) {
    const c = buf[i];
    if (c === QUOTE) inQuote = !inQuote;
    else if (c === LF && !inQuote) return i;
  }
  return -1;
}

function countLines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(LF); i !== -1; i = buf.indexOf(LF, i + 1)) n++;
  return n;
}

/** Non-blank rows of the held text, up to SAMPLE_ROWS; rows that fail to parse are left out. */
function sampleRows(held: readonly Buffer[], delimiter: string): string[][] {
  const text = held.map((b) => b.toString('utf8')).join('');
  let rows: string[][];
  try {
    rows = splitRows(text, delimiter, true);
  } catch {
    rows = [];
    for (const l of text.split('\n')) {
      try {
        rows.push(...splitRows(l, delimiter));
      } catch {
        // a bad row: the decoder will report it
      }
    }
  }
  return rows.filter((r) => r.length > 0).slice(0, SAMPLE_ROWS);
}

/** The column names on the first non-blank line of a file (for a byte range that starts later). */
async function headerOf(path: string, delimiter: string, store: ObjectStoreOptions | undefined): Promise<string[]> {
  // Small reads, none ahead: a remote object is not fetched past its first line.
  const blocks = lineBlocks(openBytes(path, { chunkBytes: 64 << 10, aheadUntil: 0, ...(store === undefined ? {} : { store }) }), { offset: 0, alignStart: false });
  try {
    for await (const seg of blocks) {
      for (let start = 0; start < seg.length; ) {
        const end = recordEnd(seg, start);
        const stop = end < 0 ? seg.length : end + 1;
        const rows = splitRows(seg.toString('utf8', start, stop), delimiter).filter((r) => r.length > 0);
        if (rows.length > 0) return rows[0]!;
        start = stop;
      }
    }
  } finally {
    await blocks.return(undefined);
  }
  return [];
}

export type { BadRowInfo };
