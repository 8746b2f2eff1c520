import { fstatSync, readdirSync, type Stats, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
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
  /**
   * Read into a block's memory again once the consumer has asked for this many blocks after
   * it (default: never, every block is fresh memory). A consumer that is done with each
   * block by then saves the page faults of fresh memory (about a tenth of the csv decode's
   * time); one that keeps blocks must not set it. Local files only (openBytes' other sources
   * hand out fresh blocks whatever it says).
   */
  reuseAfter?: number;
  /**
   * Memory kept from one read of the file to the next (a dataset's epochs), with
   * `reuseAfter`: blocks are read into `spare` buffers first (taken from it), and every
   * buffer this read reads into is added to `used`, for the caller to make spare once it is
   * done with all of them. A later epoch then takes no page fault for its blocks (~2,000 of
   * them, ~25 ms of CPU, a 10M-row epoch read in 1 MiB blocks).
   */
  memory?: { spare: ArrayBuffer[]; used: ArrayBuffer[] };
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
 * Memory for a block that will be read into again (reuseAfter): a spare buffer large enough,
 * else a fresh one (allocUnsafeSlow: never a slice of Node's shared pool, so the whole memory
 * is this block's); recorded in `memory.used`.
 */
function blockMemory(want: number, memory: ReadBytesOptions['memory']): Buffer {
  let spare = memory?.spare.pop();
  while (spare !== undefined && spare.byteLength < want) spare = memory!.spare.pop(); // smaller blocks than now: let go
  const buffer = spare !== undefined ? Buffer.from(spare, 0, want) : Buffer.allocUnsafeSlow(want);
  memory?.used.push(buffer.buffer);
  return buffer;
}

/**
 * The bytes of a file, a block at a time. The file is opened when iteration starts and
 * closed before `return()` resolves, so an early `break` leaves no descriptor behind.
 * The next blocks are read while the consumer works on this one (two blocks ahead of a
 * regular file, one of a stream), so the decoder never waits on the disk when the page
 * cache is warm. Blocks are fresh buffers (unless `reuseAfter`):
 * a consumer may keep them. After every read the file is checked against its identity at
 * open (or `options.identity`): a file changed mid-read is a FileError, never a short read.
 */
export async function* readBytes(path: string, options: ReadBytesOptions = {}): AsyncGenerator<Buffer, undefined> {
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  const end = options.end ?? Infinity;
  const ranged = (options.start ?? 0) > 0 || options.end !== undefined || options.identity !== undefined;
  const { handle: file, identity } = await openFile(path, ranged, options.identity);
  // Blocks handed out, oldest first, while they may still be in use (reuseAfter).
  const spent: Buffer[] = [];
  const readAt = (position: number): Promise<Buffer> | undefined => {
    const want = Math.min(chunkBytes, end - position);
    if (want <= 0) return undefined;
    const old = spent.length > (options.reuseAfter ?? Infinity) ? spent.shift()!.buffer : undefined;
    const buffer = old !== undefined && old.byteLength >= want ? Buffer.from(old, 0, want) : options.reuseAfter !== undefined ? blockMemory(want, options.memory) : Buffer.allocUnsafe(want);
    // A FIFO or device is read front to back; a regular file by position, checked after each read.
    const read = file.read(buffer, 0, want, identity === undefined ? null : position).then(
      ({ bytesRead }) => {
        // An open file's fstat answers from memory: asked directly, not through the thread
        // pool (a round trip a block, ~90 µs of this thread's time each in a profile).
        const change = identity === undefined ? undefined : identityChange(path, identity, identityOf(fstatSync(file.fd)));
        if (change !== undefined) throw change;
        return bytesRead === want ? buffer : buffer.subarray(0, bytesRead);
      },
      (e: unknown) => Promise.reject(new FileError(path, e)),
    );
    read.catch(() => {}); // rethrown when awaited; never unhandled if the consumer stops first
    return read;
  };
  const aheadUntil = options.aheadUntil ?? Infinity;
  // Two blocks ahead of a regular file, so a read is still in flight when the consumer
  // finishes a block. A stream is read one block at a time, in order.
  const depth = identity === undefined ? 1 : 2;
  const queue: { at: number; read: Promise<Buffer> }[] = [];
  let issued = options.start ?? 0; // where the next read starts
  const issue = (count: number): void => {
    while (queue.length < count) {
      const read = readAt(issued);
      if (read === undefined) return;
      queue.push({ at: issued, read });
      issued += Math.min(chunkBytes, end - issued);
    }
  };
  issue(1);
  try {
    let position = options.start ?? 0;
    while (queue.length > 0) {
      const block = await queue.shift()!.read;
      if (block.length === 0) break;
      position += block.length;
      if (queue.length > 0 && queue[0]!.at !== position) {
        // A short read before the end (some network file systems): the reads queued after it
        // start at the wrong place; they are dropped and reading goes on from `position`.
        for (const { read } of queue.splice(0)) await read.catch(() => {});
        issued = position;
      }
      if (identity === undefined) issued = position; // a stream: the next read follows this one's bytes
      if (position < aheadUntil) issue(depth);
      if (options.reuseAfter !== undefined) spent.push(block);
      yield block;
      issue(1);
    }
  } finally {
    for (const { read } of queue) await read.catch(() => {}); // reads in flight must finish before the file closes
    await file.close();
  }
  return undefined;
}

/**
 * Deletes `<path>.tmp-<pid>[-<hex>]` files whose process is gone (a crash or SIGKILL while
 * writing): they are never read, and would otherwise pile up. A live process's file is left.
 * @example
 * removeOrphans('cache/ratings.arrow'); // 1 after a run was killed while writing it
 */
export function removeOrphans(path: string): number {
  const dir = dirname(resolve(path));
  const prefix = `${basename(path)}.tmp-`;
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    // One of ours may be being written; another live process's too.
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
      removed++;
    } catch {
      // gone already, or not ours to delete
    }
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
