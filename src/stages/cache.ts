import type { Chunk, ChunkSource, OpenOptions } from '../chunk.js';
import { describe, OptionError } from '../errors.js';
import { type Fingerprinted } from '../io/fingerprint.js';
import { memoryCache } from '../cache/memory.js';

export { fileFingerprint, type Fingerprinted } from '../io/fingerprint.js';

export interface CacheOptions {
  /**
   * What the cached data was made from; a cache stamped differently is stale and rebuilt.
   * Default: the source's own fingerprint (`arrow`, `parquet`, `csv`… stamp path, size,
   * mtime and options), else none, and then only completeness is checked: pass one when a
   * stage before `cache` (a map, a filter) may change.
   */
  fingerprint?: string;
  /** In-memory cache only: give up caching past this many bytes (rows of objects count 64 bytes per element). Default 1 GiB. */
  maxBytes?: number;
}

/**
 * Caches one epoch of the upstream. With a `path`, the first epoch streams through while
 * it is written to an Apache Arrow IPC file (to a temporary name, renamed when complete,
 * stamped with a fingerprint of the source, its row count and a checksum); later epochs,
 * and later runs, read the file instead. A stale (other fingerprint), truncated or corrupt
 * file is found by checking it whole before anything is yielded, and rebuilt. Only
 * numeric records can go to a file. Without a path, chunks are kept in memory up to
 * `maxBytes` (past that the cache gives up and every epoch reads the upstream).
 * @example
 * const ds = csv('ratings.csv').cache('ratings.arrow').shuffle(1e5).batch(1024);
 * for (let e = 0; e < 10; e++) for await (const b of ds) train(b); // epoch 1 writes, 2+ read
 */
export function cache<T>(source: ChunkSource<T>, path?: string, options: CacheOptions = {}): ChunkSource<T> {
  if (options.fingerprint !== undefined && typeof options.fingerprint !== 'string') {
    throw new OptionError(`cache: fingerprint must be a string, got ${describe(options.fingerprint)}`);
  }
  if (path === undefined) return memoryCache(source, options.maxBytes ?? 2 ** 30);
  if (typeof path !== 'string' || path === '') throw new OptionError(`cache: path must be a non-empty string, got ${describe(path)}`);
  if (options.maxBytes !== undefined) throw new OptionError('cache: maxBytes applies to the in-memory cache (no path) only');
  const stamp = async (): Promise<string> => options.fingerprint ?? (await (source as Partial<Fingerprinted>).fingerprint?.()) ?? '';
  return {
    size: source.size,
    schema: source.schema,
    // Read epochs yield new buffers (see arrow()); the writing epoch yields the upstream's own
    // chunks after copying them to the file, so they are as fresh as the upstream's.
    freshChunks: source.freshChunks === true,
    open: (epoch, openOptions) => openCache(source, path, stamp, epoch, openOptions),
  };
}

/** The file cache's work lives in cache-file.ts, loaded on first use: apache-arrow is not loaded by `import 'sluice'` users (nor worker threads) that never cache to a file. */
async function* openCache<T>(source: ChunkSource<T>, path: string, stamp: () => Promise<string>, epoch: number | undefined, options: OpenOptions | undefined): AsyncGenerator<Chunk<T>, undefined> {
  const file = await import('../cache/file.js');
  yield* file.openFileCache(source, path, await stamp(), epoch, options);
  return undefined;
}

/**
 * Writes one epoch of `source` to `path` as an Arrow IPC file in the cache format (what
 * `sluice convert` does): readable by `arrow(path)`, by pyarrow/DuckDB, and as a valid
 * `cache(path, { fingerprint })` of the same data. `onChunk` sees each chunk (for progress).
 * @example
 * const ds = csv('ratings.csv');
 * await writeArrow(ds.source, 'ratings.arrow', await fileFingerprint('ratings.csv', {}));
 */
export async function writeArrow<T>(source: ChunkSource<T>, path: string, fingerprint = '', onChunk?: (chunk: Chunk<T>) => void): Promise<{ rows: number }> {
  const file = await import('../cache/file.js');
  return file.writeArrowFile(source, path, fingerprint, onChunk);
}

/**
 * True when `path` is a complete cache of this fingerprint (see cache-file.ts): checked
 * whole, once per file per process.
 */
export async function isValidCache(path: string, fingerprint: string): Promise<boolean> {
  const file = await import('../cache/file.js');
  return file.isValidCache(path, fingerprint);
}
