import { type FileHandle, open } from 'node:fs/promises';
import { SluiceError, errorMessage } from '../errors.js';

export interface ReadBytesOptions {
  /** First byte to read. Default 0. */
  start?: number;
  /** Byte to stop before. Default: end of file. */
  end?: number;
  /** Bytes per read. Default 1 MiB. */
  chunkBytes?: number;
  /**
   * Read ahead only while the next block starts before this byte (default: always). A
   * reader of a byte range wants just the line that crosses its end past it, so a block
   * read ahead there would be read for nothing.
   */
  aheadUntil?: number;
}

/** A file could not be opened or read; names the path. */
export class FileError extends SluiceError {
  override name = 'FileError';
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot read '${path}': ${errorMessage(cause)}`, { cause });
  }
}

/**
 * The bytes of a file, a block at a time. The file is opened when iteration starts and
 * closed before `return()` resolves, so an early `break` leaves no descriptor behind.
 * The next block is read while the consumer works on this one (one block ahead, so the
 * decoder never waits on the disk when the page cache is warm). Blocks are fresh buffers:
 * a consumer may keep them.
 */
export async function* readBytes(path: string, options: ReadBytesOptions = {}): AsyncGenerator<Buffer, undefined> {
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  const end = options.end ?? Infinity;
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new Error('is a directory');
  } catch (e) {
    await handle?.close();
    throw new FileError(path, e);
  }
  const file = handle;
  const readAt = (position: number): Promise<Buffer> | undefined => {
    const want = Math.min(chunkBytes, end - position);
    if (want <= 0) return undefined;
    const buffer = Buffer.allocUnsafe(want);
    const read = file.read(buffer, 0, want, position).then(
      ({ bytesRead }) => (bytesRead === want ? buffer : buffer.subarray(0, bytesRead)),
      (e: unknown) => Promise.reject(new FileError(path, e)),
    );
    read.catch(() => {}); // rethrown when awaited; never unhandled if the consumer stops first
    return read;
  };
  const aheadUntil = options.aheadUntil ?? Infinity;
  let ahead = readAt(options.start ?? 0);
  try {
    let position = options.start ?? 0;
    while (ahead !== undefined) {
      const block = await ahead;
      if (block.length === 0) break;
      position += block.length;
      ahead = position < aheadUntil ? readAt(position) : undefined;
      yield block;
      ahead ??= readAt(position);
    }
  } finally {
    await ahead?.catch(() => {}); // a read in flight must finish before its file closes
    await file.close();
  }
  return undefined;
}
