// A local cache of byte ranges of remote objects, so that epoch 2 reads from disk. Entries
// are keyed by object + ETag + range (a changed object never hits an old entry), written to
// a temporary name and renamed into place (a reader in another process sees a whole entry
// or none), and end with a checksum of their bytes, checked with the entry's exact length
// (a corrupt or cut entry is deleted and read again from the store, never served). The
// checksum is CRC-32 (zlib's, as S3's own x-amz-checksum-crc32): a local file guards against
// torn writes and bit rot, not an adversary, and CRC-32 catches every error burst up to 32
// bits at twice SHA-256's speed; where zlib lacks crc32 (Node < 20.15) it is the first 4
// bytes of SHA-256, and the scheme is part of the key, so neither reads the other's entries.
// A thread checks an entry's checksum once per version of the file: it remembers the file's
// device, inode, size, mtime and ctime after a good check, and reads it again unchecked only
// while they are unchanged (any write or rename changes the ctime, which no process can set
// back). An identity is remembered only once its ctime is SETTLE_MS old, so that a write in
// the same clock tick as the check cannot hide. What this leaves unchecked: the disk
// returning other bytes for an unchanged file within one process's life.
// A hit reads the entry straight into the caller's buffer (one preadv: no second copy, no
// fresh memory). Eviction is least recently used by file mtime, which a hit refreshes when
// it is older than TOUCH_MS, under a byte budget.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { type BigIntStats, closeSync, fstatSync, futimesSync, openSync, readvSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { checkInt, OptionError } from '../errors.js';

export interface BlockCacheOptions {
  /** The directory (made if missing). Several processes may share it. */
  dir: string;
  /** Bytes the entries may take together; the least recently used go first. Default 4 GiB. */
  maxBytes?: number;
}

/** zlib.crc32 (Node 20.15+, 22.2+). */
const crc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
/** The checksum's name, in every key: entries of another scheme are never read as this one's. */
const SCHEME = crc32 === undefined ? 'sha256/4' : 'crc32';
/** Bytes of the checksum at an entry's end. */
const DIGEST = 4;
/** An entry's identity is remembered as checked once its ctime is this old (ms). */
const SETTLE_MS = 1000;
/** A hit refreshes an entry's mtime (its recency) when it is older than this (ms). */
const TOUCH_MS = 10_000;
/** Identities remembered per cache object, at most (then forgotten all at once). */
const MAX_CHECKED = 1 << 16;

/**
 * Byte ranges of remote objects on local disk.
 * @example
 * const cache = new BlockCache({ dir: '/tmp/sluice-blocks', maxBytes: 1 << 30 });
 * await cache.put({ object: 's3://b/k', etag: '"e"', start: 0, end: 4 }, Buffer.from('abcd'));
 * await cache.get({ object: 's3://b/k', etag: '"e"', start: 0, end: 4 }); // <Buffer 61 62 63 64>
 */
export class BlockCache {
  readonly dir: string;
  readonly maxBytes: number;
  /** Bytes this process believes the directory holds; re-counted when it passes the budget. */
  private bytes: number | undefined;
  private ready: Promise<void> | undefined;
  /** Hits, misses, corrupt entries dropped, evicted, and checksums computed on reads: for tests and benchmarks. */
  readonly counters = { hits: 0, misses: 0, corrupt: 0, evicted: 0, checks: 0 };
  /** Entries whose checksum this object checked, by path: the file's identity then (see the file comment). */
  private readonly checked = new Map<string, string>();

  constructor(options: BlockCacheOptions) {
    if (typeof options?.dir !== 'string' || options.dir === '') throw new OptionError('BlockCache: dir must be a directory path');
    this.dir = options.dir;
    this.maxBytes = checkInt('BlockCache', 'maxBytes', options.maxBytes ?? 4 * 2 ** 30, 1);
  }

  /** The cached bytes of this range, or undefined (missing, or corrupt and now deleted). */
  async get(key: BlockKey): Promise<Buffer | undefined> {
    const body = Buffer.allocUnsafe(key.end - key.start);
    return (await this.getInto(key, body)) ? body : undefined;
  }

  /**
   * Reads the cached bytes of this range into `target` (key.end - key.start bytes long) and
   * says whether it could: false when missing, or corrupt (then deleted; `target` holds
   * garbage). Nothing is copied twice.
   */
  async getInto(key: BlockKey, target: Buffer): Promise<boolean> {
    if (target.length !== key.end - key.start) throw new RangeError(`BlockCache.getInto: a ${target.length}-byte buffer for ${key.end - key.start} bytes`);
    const path = this.pathOf(key);
    let file: EntryFile;
    try {
      file = await openEntry(path);
    } catch {
      this.counters.misses++;
      return false;
    }
    let whole: boolean;
    try {
      whole = await this.readChecked(path, file, target);
    } catch {
      whole = false;
    } finally {
      await Promise.resolve()
        .then(() => file.close())
        .catch(() => {});
    }
    if (!whole) {
      this.checked.delete(path);
      this.counters.corrupt++;
      await unlink(path).catch(() => {}); // gone already (evicted by another process) is fine
      return false;
    }
    this.counters.hits++;
    return true;
  }

  /** Reads an entry into `target`: whether it is whole (its length, and its checksum unless this version was checked before). */
  private async readChecked(path: string, file: EntryFile, target: Buffer): Promise<boolean> {
    // One byte more than an entry of this length has: a longer file is caught too.
    const tail = Buffer.allocUnsafe(DIGEST + 1);
    if ((await readFully(file, [target, tail])) !== target.length + DIGEST) return false;
    let now = Date.now();
    let stat = await file.stat();
    if (this.checked.get(path) !== identity(stat)) {
      this.counters.checks++;
      if (checksum(target) !== tail.readUInt32LE(0)) return false;
    }
    if (now - Number(stat.mtimeMs) > TOUCH_MS) {
      await file.touch(new Date(now)); // most recently used
      stat = await file.stat();
      now = Date.now();
    }
    if (now - Number(stat.ctimeMs) < SETTLE_MS) this.checked.delete(path);
    else {
      if (this.checked.size >= MAX_CHECKED) this.checked.clear();
      this.checked.set(path, identity(stat));
    }
    return true;
  }

  /** Stores the bytes of a range (atomically); evicts the least recently used entries over the budget. */
  async put(key: BlockKey, body: Buffer): Promise<void> {
    if (body.length + DIGEST > this.maxBytes) return;
    this.ready ??= mkdir(this.dir, { recursive: true }).then(() => undefined);
    await this.ready;
    const path = this.pathOf(key);
    const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const sum = Buffer.allocUnsafe(DIGEST);
    sum.writeUInt32LE(checksum(body));
    const file = await open(temp, 'w');
    try {
      await file.writev([body, sum]);
    } finally {
      await file.close();
    }
    await rename(temp, path);
    this.bytes = (this.bytes ?? (await this.count())) + body.length + DIGEST;
    if (this.bytes > this.maxBytes) await this.evict();
  }

  private pathOf(key: BlockKey): string {
    const id = createHash('sha256').update(JSON.stringify([SCHEME, key.object, key.etag, key.start, key.end])).digest('hex');
    return join(this.dir, `${id}.block`);
  }

  private async entries(): Promise<{ path: string; size: number; used: number }[]> {
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter((n) => n.endsWith('.block'));
    const out: { path: string; size: number; used: number }[] = [];
    for (const name of names) {
      const path = join(this.dir, name);
      const s = await stat(path).catch(() => undefined); // another process may evict it meanwhile
      if (s !== undefined) out.push({ path, size: s.size, used: s.mtimeMs });
    }
    return out;
  }

  private async count(): Promise<number> {
    return (await this.entries()).reduce((n, e) => n + e.size, 0);
  }

  /** Deletes the least recently used entries until the directory is within 90% of the budget. */
  private async evict(): Promise<void> {
    const entries = (await this.entries()).sort((a, b) => a.used - b.used);
    let total = entries.reduce((n, e) => n + e.size, 0);
    for (const e of entries) {
      if (total <= this.maxBytes * 0.9) break;
      await unlink(e.path).catch(() => {});
      total -= e.size;
      this.counters.evicted++;
    }
    this.bytes = total;
  }
}

/** What names a cached range: the object, its ETag, and the bytes [start, end). */
export interface BlockKey {
  object: string;
  etag: string;
  start: number;
  end: number;
}

/** The entry checksum of `data` (see the file comment). */
function checksum(data: Uint8Array): number {
  return crc32 !== undefined ? crc32(data) : createHash('sha256').update(data).digest().readUInt32LE(0);
}

/** What changes with every write, rename or truncation of a file (ctime cannot be set back). */
function identity(s: BigIntStats): string {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

/** An open entry: the calls a read makes. */
interface EntryFile {
  readv(buffers: Buffer[], position: number): number | Promise<number>;
  stat(): BigIntStats | Promise<BigIntStats>;
  touch(time: Date): void | Promise<void>;
  close(): void | Promise<void>;
}

/**
 * An entry's file, opened. On a worker thread (a csv worker: it only reads and decodes) with
 * synchronous calls: a hit from the page cache then costs half the CPU of the thread pool's
 * round trips; on the main thread with FileHandle's, which never block it.
 */
async function openEntry(path: string): Promise<EntryFile> {
  if (!isMainThread) {
    const fd = openSync(path, 'r');
    return { readv: (b, at) => readvSync(fd, b, at), stat: () => fstatSync(fd, { bigint: true }), touch: (t) => futimesSync(fd, t, t), close: () => closeSync(fd) };
  }
  const file = await open(path, 'r');
  return { readv: async (b, at) => (await file.readv(b, at)).bytesRead, stat: () => file.stat({ bigint: true }), touch: (t) => file.utimes(t, t), close: () => file.close() };
}

/** Reads from the file's start into `buffers` until they are full or the file ends; the bytes read. */
async function readFully(file: EntryFile, buffers: Buffer[]): Promise<number> {
  let total = 0;
  for (;;) {
    const bytesRead = await file.readv(buffers, total); // one preadv: a whole entry, in practice
    total += bytesRead;
    if (bytesRead === 0) return total;
    buffers = remaining(buffers, bytesRead);
    if (buffers.length === 0) return total;
  }
}

/** What is left of `buffers` once their first `n` bytes are filled. */
function remaining(buffers: Buffer[], n: number): Buffer[] {
  const out: Buffer[] = [];
  for (const b of buffers) {
    if (n >= b.length) n -= b.length;
    else {
      out.push(b.subarray(n));
      n = 0;
    }
  }
  return out;
}
