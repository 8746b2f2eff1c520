// One object in S3-compatible storage (s3://bucket/key) or behind an http(s) server that
// answers range requests, read by byte ranges: each range is one GET, bounded by the
// store's limit on requests in flight, cut after a timeout, retried with backoff, checked
// for length and ETag, and cached on disk when the store has a block cache.
import { errorMessage, SluiceError } from '../errors.js';
import type { BlockKey } from './block-cache.js';
import { objectStore, type ObjectStore, type ObjectStoreOptions } from './object-store.js';
import { PermanentError, TransientError, withRetries } from './retry.js';

/** True for `s3://` addresses. */
export function isS3(name: string): boolean {
  return /^s3:\/\//i.test(name);
}

/** True for names read through object storage or http(s) range requests. */
export function isRemote(name: string): boolean {
  return isS3(name) || /^https?:\/\//i.test(name);
}

/** A range could not be read after the last retry; names the object, the byte range and the cause. */
export class RemoteReadError extends SluiceError {
  override name = 'RemoteReadError';
  constructor(
    readonly object: string,
    readonly start: number,
    readonly end: number,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(`cannot read '${object}' bytes [${start}, ${end}) after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${errorMessage(cause)}`, { cause });
  }
}

/** The object changed while an epoch read it (its ETag is not the one pinned at the epoch's start). */
export class ObjectChangedError extends PermanentError {
  override name = 'ObjectChangedError';
}

/** Size and ETag of an object, as its listing or a HEAD gave them. */
export interface ObjectInfo {
  size: number;
  etag: string;
}

/**
 * An object read by byte ranges. `stat()` pins its ETag (call it at the start of each
 * epoch); every later range must come from that version, else ObjectChangedError.
 * @example
 * const object = new RemoteObject('s3://bucket/ratings.csv', { endpoint: 'http://127.0.0.1:9000' });
 * const { size } = await object.stat();
 * const head = await object.read(0, Math.min(size, 1024));
 */
export class RemoteObject {
  readonly store: ObjectStore;
  private pinned: ObjectInfo | undefined;

  constructor(
    readonly name: string,
    options: ObjectStoreOptions | ObjectStore = {},
  ) {
    this.store = 'limiter' in options ? options : objectStore(options);
    this.url(); // a malformed name fails now
  }

  /** Pins the object's version for the reads that follow (HEAD, or the listing's answer when given). */
  async stat(known?: ObjectInfo): Promise<ObjectInfo> {
    this.pinned = known;
    if (known !== undefined) return known;
    const info = await this.request(0, 0, 'HEAD');
    this.pinned = info.info;
    return info.info;
  }

  /** The pinned size and ETag (stat() first). */
  get info(): ObjectInfo | undefined {
    return this.pinned;
  }

  /** Bytes [start, end) of the pinned version, end clamped to its size; from the block cache when there. */
  async read(start: number, end: number, signal?: AbortSignal): Promise<Buffer> {
    const info = this.pinned ?? (await this.stat());
    const stop = Math.min(end, info.size);
    if (stop <= start) return Buffer.alloc(0);
    const cache = this.store.cache;
    const key: BlockKey = { object: this.name, etag: info.etag, start, end: stop };
    const hit = await cache?.get(key);
    if (hit !== undefined) return hit;
    const body = (await this.request(start, stop, 'GET', signal)).body;
    await cache?.put(key, body);
    return body;
  }

  /** A reader with FileHandle's read() shape (for readers written against files). */
  positioned(): PositionedReader {
    return {
      read: async (buffer, offset, length, position) => {
        const bytes = await this.read(position, position + length);
        bytes.copy(buffer, offset);
        return { bytesRead: bytes.length };
      },
      close: async () => {},
    };
  }

  private url(): string {
    if (!isS3(this.name)) return this.name;
    const m = /^s3:\/\/([^/]+)\/(.+)$/i.exec(this.name);
    if (m === null) throw new SluiceError(`'${this.name}' is not s3://bucket/key`);
    const [, bucket, key] = m as unknown as [string, string, string];
    const path = key.split('/').map(encodeURIComponent).join('/');
    const endpoint = this.store.endpoint ?? `https://s3.${this.store.region}.amazonaws.com`;
    return `${endpoint}/${bucket}/${path}`;
  }

  private async request(start: number, end: number, method: 'GET' | 'HEAD', signal?: AbortSignal): Promise<{ body: Buffer; info: ObjectInfo }> {
    const store = this.store;
    let attempts = 0;
    try {
      return await withRetries(
        () => {
          attempts++;
          return store.limiter.run(() => this.once(start, end, method, signal));
        },
        store.policy,
        signal,
        () => store.counters.retries++,
      );
    } catch (error) {
      if (error instanceof ObjectChangedError) throw error;
      throw new RemoteReadError(this.name, start, end, attempts, error);
    }
  }

  private async once(start: number, end: number, method: 'GET' | 'HEAD', signal?: AbortSignal): Promise<{ body: Buffer; info: ObjectInfo }> {
    const store = this.store;
    const timeout = AbortSignal.timeout(store.timeoutMs);
    const headers: Record<string, string> = method === 'GET' ? { range: `bytes=${start}-${end - 1}` } : {};
    if (this.pinned !== undefined) headers['if-match'] = this.pinned.etag;
    const init = { method, headers, signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]) };
    const request = isS3(this.name) && store.signer !== undefined ? await (await store.signer()).sign(this.url(), init) : new Request(this.url(), init);
    store.counters.requests++;
    const response = await fetch(request);
    const etag = response.headers.get('etag') ?? '';
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      await response.body?.cancel();
      throw new TransientError(`HTTP ${response.status}${response.status === 503 ? ' (SlowDown)' : ''}`);
    }
    if (response.status === 412 || (this.pinned !== undefined && etag !== '' && etag !== this.pinned.etag)) {
      await response.body?.cancel();
      throw new ObjectChangedError(`'${this.name}' changed while it was read: ETag ${etag || '?'} (HTTP ${response.status}), pinned ${this.pinned?.etag ?? '?'}`);
    }
    if (method === 'HEAD') {
      if (response.status !== 200) throw new PermanentError(`HTTP ${response.status} ${response.statusText}`);
      const size = Number(response.headers.get('content-length'));
      if (!Number.isSafeInteger(size)) throw new PermanentError('no Content-Length');
      return { body: Buffer.alloc(0), info: { size, etag } };
    }
    if (response.status !== 206) {
      await response.body?.cancel();
      throw new PermanentError(response.status === 200 ? 'the server ignores Range requests (HTTP 200 to a range)' : `HTTP ${response.status} ${response.statusText}`);
    }
    const body = Buffer.from(await response.arrayBuffer());
    store.counters.bytes += body.length;
    // A body cut short is retried whole: the caller gets all of the range or an error, never part of it.
    if (body.length !== end - start) throw new TransientError(`got ${body.length} bytes of ${end - start}`);
    return { body, info: { size: this.pinned?.size ?? end, etag } };
  }
}

/** FileHandle.read's shape: what a range reader written for files needs. */
export interface PositionedReader {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}
