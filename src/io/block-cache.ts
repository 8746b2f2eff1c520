// A local cache of byte ranges of remote objects, so that epoch 2 reads from disk. Entries
// are keyed by object + ETag + range (a changed object never hits an old entry), written to
// a temporary name and renamed into place (a reader in another process sees a whole entry
// or none), and carry a SHA-256 of their bytes, checked on every read (a corrupt entry is
// deleted and read again from the store, never served). Eviction is least recently used
// by file mtime, which a hit refreshes, under a byte budget.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkInt, OptionError } from '../errors.js';

export interface BlockCacheOptions {
  /** The directory (made if missing). Several processes may share it. */
  dir: string;
  /** Bytes the entries may take together; the least recently used go first. Default 4 GiB. */
  maxBytes?: number;
}

const DIGEST = 32;

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
  /** Hits, misses and corrupt entries dropped, for tests and benchmarks. */
  readonly counters = { hits: 0, misses: 0, corrupt: 0, evicted: 0 };

  constructor(options: BlockCacheOptions) {
    if (typeof options?.dir !== 'string' || options.dir === '') throw new OptionError('BlockCache: dir must be a directory path');
    this.dir = options.dir;
    this.maxBytes = checkInt('BlockCache', 'maxBytes', options.maxBytes ?? 4 * 2 ** 30, 1);
  }

  /** The cached bytes of this range, or undefined (missing, or corrupt and now deleted). */
  async get(key: BlockKey): Promise<Buffer | undefined> {
    const path = this.pathOf(key);
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch {
      this.counters.misses++;
      return undefined;
    }
    const body = data.subarray(0, data.length - DIGEST);
    if (data.length < DIGEST || !sha256(body).equals(data.subarray(body.length)) || body.length !== key.end - key.start) {
      this.counters.corrupt++;
      await unlink(path).catch(() => {});
      return undefined;
    }
    this.counters.hits++;
    const now = new Date();
    await utimes(path, now, now).catch(() => {}); // most recently used; gone already is fine
    return body;
  }

  /** Stores the bytes of a range (atomically); evicts the least recently used entries over the budget. */
  async put(key: BlockKey, body: Buffer): Promise<void> {
    if (body.length + DIGEST > this.maxBytes) return;
    this.ready ??= mkdir(this.dir, { recursive: true }).then(() => undefined);
    await this.ready;
    const path = this.pathOf(key);
    const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temp, Buffer.concat([body, sha256(body)]));
    await rename(temp, path);
    this.bytes = (this.bytes ?? (await this.count())) + body.length + DIGEST;
    if (this.bytes > this.maxBytes) await this.evict();
  }

  private pathOf(key: BlockKey): string {
    const id = createHash('sha256').update(JSON.stringify([key.object, key.etag, key.start, key.end])).digest('hex');
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

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}
