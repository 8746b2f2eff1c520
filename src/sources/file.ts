import { open } from 'node:fs/promises';
import { SluiceError, errorMessage } from '../errors.js';

export interface ReadBytesOptions {
  /** First byte to read. Default 0. */
  start?: number;
  /** Byte to stop before. Default: end of file. */
  end?: number;
  /** Bytes per read. Default 1 MiB. */
  chunkBytes?: number;
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
 * Blocks are fresh buffers: a consumer may keep them.
 */
export async function* readBytes(path: string, options: ReadBytesOptions = {}): AsyncGenerator<Buffer, undefined> {
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  let handle;
  try {
    handle = await open(path, 'r');
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new Error('is a directory');
  } catch (e) {
    await handle?.close();
    throw new FileError(path, e);
  }
  try {
    let position = options.start ?? 0;
    const end = options.end ?? Infinity;
    while (position < end) {
      const want = Math.min(chunkBytes, end - position);
      const buffer = Buffer.allocUnsafe(want);
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, want, position));
      } catch (e) {
        throw new FileError(path, e);
      }
      if (bytesRead === 0) break;
      position += bytesRead;
      yield bytesRead === want ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
  return undefined;
}
