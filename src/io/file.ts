import type { Stats } from 'node:fs';
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
  /** What the file must be (default: what it is when opened), checked after every read. */
  identity?: FileIdentity | undefined;
}

/** A file could not be opened or read, or changed while an epoch read it; names the path. */
export class FileError extends SluiceError {
  override name = 'FileError';
  constructor(
    readonly path: string,
    cause: unknown,
    /** What was being done: 'read' (default), 'write', 'rename', … */
    readonly operation = 'read',
  ) {
    super(`cannot ${operation} '${path}': ${errorMessage(cause)}`, { cause });
  }
}

/** Which file, in which state (device, inode, size, mtime): one per epoch, checked at every read. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

export function identityOf(s: Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs'>): FileIdentity {
  return { dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
}

/**
 * A FileError when the file is no longer what the epoch started with (truncated, appended
 * to, rewritten, renamed over), else undefined: such an epoch ends with this error rather
 * than come out short or mixed.
 */
export function identityChange(path: string, was: FileIdentity, now: FileIdentity): FileError | undefined {
  const what =
    now.dev !== was.dev || now.ino !== was.ino
      ? 'it was replaced by another file'
      : now.size !== was.size
        ? `it changed size from ${was.size} to ${now.size} bytes`
        : now.mtimeMs !== was.mtimeMs
          ? 'it was modified'
          : undefined;
  return what === undefined ? undefined : new FileError(path, new Error(`${what} during the epoch (a new epoch reads it as it is now)`));
}

/**
 * Opens a file to read: a FileError naming the path for a missing file, a directory, no
 * permission, or (with `identity`) a file that is not the one the epoch started with.
 * `regular`: a FIFO, socket or device is refused too (byte ranges need a regular file);
 * else it is read front to back (`identity` undefined).
 */
export async function openFile(path: string, regular: boolean, identity?: FileIdentity): Promise<{ handle: FileHandle; identity: FileIdentity | undefined }> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const s = await handle.stat();
    if (s.isDirectory()) throw new Error('it is a directory');
    if (!s.isFile()) {
      if (regular) throw new Error('it is not a regular file (a FIFO, socket or device has no byte ranges; read it with csv())');
      return { handle, identity: undefined };
    }
    const now = identityOf(s);
    const change = identity === undefined ? undefined : identityChange(path, identity, now);
    if (change !== undefined) throw change;
    return { handle, identity: identity ?? now };
  } catch (e) {
    await handle?.close();
    throw e instanceof FileError ? e : new FileError(path, e);
  }
}

/**
 * The bytes of a file, a block at a time. The file is opened when iteration starts and
 * closed before `return()` resolves, so an early `break` leaves no descriptor behind.
 * The next block is read while the consumer works on this one (one block ahead, so the
 * decoder never waits on the disk when the page cache is warm). Blocks are fresh buffers:
 * a consumer may keep them. After every read the file is checked against its identity at
 * open (or `options.identity`): a file changed mid-read is a FileError, never a short read.
 */
export async function* readBytes(path: string, options: ReadBytesOptions = {}): AsyncGenerator<Buffer, undefined> {
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  const end = options.end ?? Infinity;
  const ranged = (options.start ?? 0) > 0 || options.end !== undefined || options.identity !== undefined;
  const { handle: file, identity } = await openFile(path, ranged, options.identity);
  const readAt = (position: number): Promise<Buffer> | undefined => {
    const want = Math.min(chunkBytes, end - position);
    if (want <= 0) return undefined;
    const buffer = Buffer.allocUnsafe(want);
    // A FIFO or device is read front to back; a regular file by position, checked after each read.
    const read = file.read(buffer, 0, want, identity === undefined ? null : position).then(
      async ({ bytesRead }) => {
        const change = identity === undefined ? undefined : identityChange(path, identity, identityOf(await file.stat()));
        if (change !== undefined) throw change;
        return bytesRead === want ? buffer : buffer.subarray(0, bytesRead);
      },
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
