// The file side of cache(path): reading a valid cache, checking one (with bounded memory),
// and writing one through a temporary file. Loaded on first use by cache.ts, so that
// apache-arrow stays out of processes and threads that never need it.
import { createHash, randomBytes } from 'node:crypto';
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RecordBatchReader, type Schema as ArrowSchema } from 'apache-arrow';
import { type Chunk, CHUNK_SIZE, type ChunkIterator, type ChunkSource, ColumnChunk, type OpenOptions } from '../chunk.js';
import { readArrowFile } from '../io/arrow-file.js';
import { FileError, removeOrphans } from '../io/file.js';
import { CacheWriter, END_BYTES, EOS, FORMAT, stampDigest, TRAILER_BYTES, TRAILER_TAG } from './writer.js';

export { arrowSchema, toRecordBatch } from './writer.js';

/** One epoch of `cache(path)`: read a valid cache, else stream the upstream while writing it. */
export async function* openFileCache<T>(source: ChunkSource<T>, path: string, fingerprint: string, epoch: number | undefined, options?: OpenOptions): AsyncGenerator<Chunk<T>, undefined> {
  if (await isValidCache(path, fingerprint)) {
    yield* readArrowFile<T>(path, undefined, CHUNK_SIZE, options?.signal);
    return undefined;
  }
  yield* writeThrough(source, path, fingerprint, epoch, options);
  return undefined;
}

/** Files this process has checked (or written) whole, by path and stat stamp: checked once, not every epoch. */
const verified = new Map<string, string>();

function statStamp(s: { size: number; mtimeMs: number; ino: number }): string {
  return `${s.size}:${s.mtimeMs}:${s.ino}`;
}

/** Bytes read at a time while checking a cache. */
const CHECK_BLOCK = 1 << 20;

/**
 * True when `path` is a complete, intact cache of this fingerprint, checked before any row
 * is yielded and with bounded memory: the footer's bytes must match the digest the writer
 * put before them (so nothing damaged is ever decoded), the bytes before the footer are
 * hashed a block at a time, and the stamp (stampDigest) must match that hash and the
 * footer's schema and metadata; then the batches are counted against the stamped row count.
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
    if (!(await checkFile(handle, s.size, fingerprint))) return false;
  } catch {
    return false;
  } finally {
    await handle?.close().catch(() => undefined);
  }
  verified.set(key, `${statStamp(s)}|${fingerprint}`);
  return true;
}

async function checkFile(handle: FileHandle, size: number, fingerprint: string): Promise<boolean> {
  if (!(await footerIntact(handle, size))) return false;
  const reader = await RecordBatchReader.from(handle);
  await reader.open();
  if (!reader.isFile()) return false;
  const schema = reader.schema;
  const m = schema.metadata;
  if (m.get('sluice.format') !== FORMAT || m.get('sluice.fingerprint') !== fingerprint) return false;
  const footerStart = size - END_BYTES - (await readAt(handle, size - END_BYTES, 4)).readInt32LE(0);
  if (!sameStamp(schema, await bodyDigest(handle, footerStart - TRAILER_BYTES))) return false;
  let rows = 0;
  for await (const batch of reader) rows += batch.numRows;
  return rows === Number(m.get('sluice.rows'));
}

/** Larger footers are refused unread (65 536-row batches: a billion rows is ~400 KiB of footer). */
const MAX_FOOTER = 16 << 20;

/**
 * True when the footer's bytes are those the writer hashed into the trailer before it
 * (writer.ts): checked before Arrow decodes them, since a flipped vector length there made
 * the decoder loop for minutes or run out of heap. Reads at most MAX_FOOTER bytes.
 */
async function footerIntact(handle: FileHandle, size: number): Promise<boolean> {
  const least = 8 + EOS.length + TRAILER_BYTES + END_BYTES; // 'ARROW1\0\0', no batch, an empty footer
  if (size < least) return false;
  const tail = await readAt(handle, size - END_BYTES, END_BYTES);
  if (tail.toString('latin1', 4) !== 'ARROW1') return false;
  const length = tail.readInt32LE(0);
  if (length <= 0 || length > MAX_FOOTER || size - END_BYTES - length - TRAILER_BYTES < 8 + EOS.length) return false;
  const bytes = await readAt(handle, size - END_BYTES - length - TRAILER_BYTES, TRAILER_BYTES + length);
  if (bytes.length !== TRAILER_BYTES + length || !bytes.subarray(0, TRAILER_TAG.length).equals(TRAILER_TAG)) return false;
  const digest = createHash('sha256').update(bytes.subarray(TRAILER_BYTES)).digest();
  return digest.equals(bytes.subarray(TRAILER_TAG.length, TRAILER_BYTES));
}

async function readAt(handle: FileHandle, at: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, at);
  return buffer.subarray(0, bytesRead);
}

function sameStamp(schema: ArrowSchema, body: string): boolean {
  return stampDigest(schema, body) === schema.metadata.get('sluice.checksum');
}

/** SHA-256 (hex) of the file's first `end` bytes, read a block at a time. */
async function bodyDigest(handle: FileHandle, end: number): Promise<string> {
  const hash = createHash('sha256');
  const block = Buffer.allocUnsafe(Math.min(CHECK_BLOCK, end));
  for (let at = 0; at < end; ) {
    const { bytesRead } = await handle.read(block, 0, Math.min(block.length, end - at), at);
    if (bytesRead === 0) break;
    hash.update(block.subarray(0, bytesRead));
    at += bytesRead;
  }
  return hash.digest('hex');
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
 * Before the upstream is opened: a directory at `path` is refused, and temporary files
 * that a killed process left behind are deleted. Every filesystem error is a FileError
 * naming the path and the operation (open, write, sync, rename).
 */
async function* writeThrough<T>(source: ChunkSource<T>, path: string, fingerprint: string, epoch: number | undefined, options?: OpenOptions): AsyncGenerator<Chunk<T>, undefined> {
  await refuseDirectory(path);
  removeOrphans(path);
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const opened: FileHandle = await open(tmp, 'w').catch((e: unknown) => Promise.reject(new FileError(tmp, e, 'create')));
  let handle: FileHandle | undefined = opened;
  let done = false;
  const upstream: ChunkIterator<T> = source.open(epoch, options);
  try {
    const file = new CacheWriter(opened, tmp, fingerprint, source.schema);
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
    await opened.sync().catch((e: unknown) => Promise.reject(new FileError(tmp, e, 'sync')));
    await opened.close();
    handle = undefined;
    await rename(tmp, path).catch((e: unknown) => Promise.reject(new FileError(path, e, 'rename a finished cache onto')));
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

async function refuseDirectory(path: string): Promise<void> {
  const s = await stat(path).catch(() => undefined);
  if (s?.isDirectory()) throw new FileError(path, new Error('it is a directory, not a cache file'), 'write a cache to');
}

