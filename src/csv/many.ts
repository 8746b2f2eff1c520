// csv() over many files (a list, a directory, a glob, an s3:// prefix): one file after
// another, in name order, as one dataset with one schema. Every file's header is read when
// the epoch starts (small reads, concurrently) and must match the first's; the dtypes the
// first file settles are given to the rest, so every chunk has the same columns and dtypes.
import { statSync } from 'node:fs';
import { type Chunk, type ChunkSource, epochOf, type OpenOptions, type Schema } from '../chunk.js';
import { SluiceError } from '../errors.js';
import { FileError } from '../io/file.js';
import { listFiles } from '../io/listing.js';
import { objectStore } from '../io/object-store.js';
import { isRemote, isS3 } from '../io/remote.js';
import { rejectCategories } from './categorical.js';
import { type CsvStats, emptyStats } from './fields.js';
import type { CsvRecord } from './general.js';
import { readHeader } from './header.js';
import { MAX_ROW_BYTES } from './lines.js';
import type { CsvColumns, CsvOptions } from './options.js';

/** What csv() reads one file with (csv itself, handed in: reader.ts imports this module). */
export type OneFile = (path: string, options: CsvOptions) => { source: ChunkSource<CsvRecord>; readonly stats: CsvStats; readonly schema: Schema | undefined };

/** True when `spec` names many files: a list, a glob, an s3:// prefix ending in '/', or a local directory. */
export function isManyFiles(spec: string | readonly string[]): boolean {
  if (typeof spec !== 'string') return true;
  if (/[*?]/.test(spec) || (isS3(spec) && spec.endsWith('/'))) return true;
  if (isRemote(spec)) return false;
  try {
    return statSync(spec).isDirectory();
  } catch {
    return false; // a missing file fails when its epoch starts, as before
  }
}

/**
 * The source of csv() over many files; `stats` adds up the files' figures as they are read.
 * @example
 * const ds = csv(['part-0.csv', 'part-1.csv'], { columns: { userId: 'int32', rating: 'float32' } });
 */
export function manyCsvSource(spec: string | readonly string[], options: CsvOptions, stats: CsvStats, one: OneFile): ChunkSource<CsvRecord> {
  if (typeof spec !== 'string' && (!Array.isArray(spec) || spec.length === 0 || spec.some((s) => typeof s !== 'string' || s === ''))) {
    throw new SluiceError(`csv: a list of files must be a non-empty array of paths, got ${JSON.stringify(spec)}`);
  }
  if (options.byteRange !== undefined) throw new SluiceError('csv: byteRange reads one file; it cannot be given with many files');
  rejectCategories('csv over many files', options.columns); // one vocabulary per file would number words differently
  let schema: Schema | undefined = options.columns as Schema | undefined;
  let knownSize: number | undefined;
  return {
    get size() {
      return knownSize;
    },
    get schema() {
      return schema;
    },
    open: (_epoch?: number, open?: OpenOptions) =>
      readFiles(spec, options, stats, one, (s) => (schema = s), (n) => (knownSize = n), open),
  };
}

async function* readFiles(spec: string | readonly string[], options: CsvOptions, stats: CsvStats, one: OneFile, onSchema: (s: Schema) => void, onSize: (n: number) => void, open?: OpenOptions): AsyncGenerator<Chunk<CsvRecord>, undefined> {
  Object.assign(stats, emptyStats());
  const files = await listFiles(spec, objectStore(options.store ?? {}));
  if (files.length === 0) throw new FileError(typeof spec === 'string' ? spec : JSON.stringify(spec), 'no files match (a directory without data files, or a glob that matches none)');
  await checkHeaders(files.map((f) => f.name), options);
  let columns: CsvColumns | undefined = options.columns;
  const done = { rows: 0, skipped: 0, bytes: 0 };
  for (const file of files) {
    const ds = one(file.name, { ...options, ...(columns === undefined ? {} : { columns }) });
    for await (const chunk of epochOf(ds.source, undefined, open)) {
      if (columns === undefined && ds.schema !== undefined) {
        columns = ds.schema as CsvColumns; // settled by the first file: the rest decode to the same dtypes
        onSchema(ds.schema);
      }
      Object.assign(stats, { rows: done.rows + ds.stats.rows, skipped: done.skipped + ds.stats.skipped, bytes: done.bytes + ds.stats.bytes, engine: ds.stats.engine });
      yield chunk;
    }
    done.rows += ds.stats.rows;
    done.skipped += ds.stats.skipped;
    done.bytes += ds.stats.bytes;
  }
  Object.assign(stats, { ...done, complete: true });
  onSize(done.rows);
  return undefined;
}

/** Headers read at once (files open at once). */
const HEADERS_AT_ONCE = 16;

/** Every file's header line must equal the first file's (when the files have one). */
async function checkHeaders(names: string[], options: CsvOptions): Promise<void> {
  if (options.header === false || Array.isArray(options.header)) return;
  const delimiter = options.delimiter ?? ',';
  const heads: Awaited<ReturnType<typeof readHeader>>[] = [];
  for (let at = 0; at < names.length; at += HEADERS_AT_ONCE) {
    heads.push(...(await Promise.all(names.slice(at, at + HEADERS_AT_ONCE).map((n) => readHeader(n, delimiter, options.maxRowBytes ?? MAX_ROW_BYTES, options.store)))));
  }
  const first = (heads[0]!.names ?? []).join(', ');
  for (const [i, head] of heads.entries()) {
    const these = (head.names ?? []).join(', ');
    if (these !== first) throw new SluiceError(`csv: '${names[i]}': its header (${these}) differs from '${names[0]}' (${first})`);
  }
}
