// csv()'s options: their types, their checks (made when the pipeline is built) and the
// column layout they select. Shared by csv(), byte ranges, csvParallel and shuffledCsv.
import { CHUNK_SIZE } from '../chunk.js';
import { describe, OptionError, SluiceError } from '../errors.js';
import { supportsByteRange } from '../io/source-kind.js';
import type { FileIdentity } from '../io/file.js';
import type { ObjectStoreOptions } from '../io/object-store.js';
import { type BadRowPolicy, type CsvDType, type CsvStats, escapeText, inferDType } from './fields.js';
import type { Vocabulary } from './categorical.js';
import type { CsvLayout } from './general.js';
import { MAX_ROW_BYTES } from './lines.js';

/** Column name → dtype: selects and types columns (the others are dropped). */
export type CsvColumns = Readonly<Record<string, CsvDType>>;

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
  /**
   * The vocabulary of each 'category' column (shared with other datasets, or loaded with
   * `Vocabulary.from`); one is made for a category column left out, as `dataset.vocabularies`.
   */
  vocabularies?: Readonly<Record<string, Vocabulary>>;
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
  /**
   * Longest row in bytes, quoted newlines included (so also the longest field and header
   * line). Default 16 MiB. A longer row is a DataError naming file and line (a quoted
   * field left open is a bad row at the line it opened), so memory stays bounded on any
   * input: no newline (/dev/zero, an endless HTTP body), a gzip of zeros, a stray quote.
   */
  maxRowBytes?: number;
  /** For `s3://` objects and ranges of URLs: credentials, endpoint, concurrency, retries, block cache (default: the AWS env vars). */
  store?: ObjectStoreOptions;
  /** For an http(s) URL: milliseconds to wait for the response headers. Default 30 000. */
  connectTimeoutMs?: number;
  /** For an http(s) URL: milliseconds without a byte of the body before giving up. Default 60 000. */
  idleTimeoutMs?: number;
  /**
   * @internal What the file must still be (device, inode, size, mtime) at every read: set
   * by csvParallel and shuffledCsv, which read one file in many ranges per epoch.
   */
  identity?: FileIdentity;
}

export interface CheckedOptions {
  header: boolean | readonly string[];
  delimiter: string;
  columns: CsvColumns | undefined;
  onBadRow: BadRowPolicy;
  engine: CsvEngine;
  byteRange: readonly [number, number] | undefined;
  chunkBytes: number;
  chunkRows: number;
  maxRowBytes: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  identity: FileIdentity | undefined;
  store: ObjectStoreOptions | undefined;
}

const DTYPES = ['int32', 'float32', 'float64', 'string', 'category'];

/** @internal Validates csv() options (shared with the range reader); throws OptionError naming the option. */
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
      if (Array.isArray(header) && !header.includes(name)) throw new OptionError(escapeText(`csv: column '${name}' is not among the header names (${header.join(', ')})`));
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
  const maxRowBytes = options.maxRowBytes ?? MAX_ROW_BYTES;
  if (!Number.isInteger(maxRowBytes) || maxRowBytes < 1) throw new OptionError(`csv: maxRowBytes must be an integer >= 1, got ${describe(maxRowBytes)}`);
  const connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
  if (typeof connectTimeoutMs !== 'number' || !(connectTimeoutMs > 0)) throw new OptionError(`csv: connectTimeoutMs must be a number > 0, got ${describe(connectTimeoutMs)}`);
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  if (typeof idleTimeoutMs !== 'number' || !(idleTimeoutMs > 0)) throw new OptionError(`csv: idleTimeoutMs must be a number > 0, got ${describe(idleTimeoutMs)}`);
  const checked = { header, delimiter, columns: columns === undefined ? undefined : { ...columns }, onBadRow, engine, byteRange: range, chunkBytes, chunkRows, maxRowBytes, connectTimeoutMs, idleTimeoutMs };
  return { ...checked, identity: options.identity, store: options.store };
}

/** @internal Which fields are read, and as what (shared with the range reader). */
export function makeLayout(file: string, o: CheckedOptions, names: string[], sample: string[][]): CsvLayout {
  let selected: [string, CsvDType][];
  if (o.columns !== undefined) {
    selected = Object.entries(o.columns);
    for (const [name] of selected) {
      if (!names.includes(name)) throw new SluiceError(escapeText(`csv: column '${name}' is not in '${file}' (its columns: ${names.join(', ')})`));
    }
  } else {
    const dup = names.find((name, i) => names.indexOf(name) !== i);
    if (dup !== undefined) throw new SluiceError(escapeText(`csv: column '${dup}' appears twice in the header of '${file}'; pass columns (the first one is used) or header names`));
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

