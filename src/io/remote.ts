// One object in S3-compatible storage (s3://bucket/key) or behind an http(s) server that
// answers range requests, read by byte ranges: each range is one GET, bounded by the
// store's limit on requests in flight, cut after a timeout, retried with backoff, checked
// for length and ETag, and cached on disk when the store has a block cache.
import { errorMessage, SluiceError } from '../errors.js';
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
    this.pinned = await this.request(0, 0, 'HEAD');
    return this.pinned;
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
    const hit = await this.store.cache?.get({ object: this.name, etag: info.etag, start, end: stop });
    if (hit !== undefined) return hit;
    return this.fetchInto(Buffer.allocUnsafe(stop - start), start, info.etag, signal);
  }

  /**
   * Reads the bytes from `start` into `target` (as many as fit, clamped to the object's end),
   * straight from the response body: no second copy. Returns how many were read.
   */
  async readInto(target: Buffer, start: number, signal?: AbortSignal): Promise<number> {
    const info = this.pinned ?? (await this.stat());
    const stop = Math.min(start + target.length, info.size);
    if (stop <= start) return 0;
    const into = target.subarray(0, stop - start);
    if (await this.store.cache?.getInto({ object: this.name, etag: info.etag, start, end: stop }, into)) return into.length;
    return (await this.fetchInto(into, start, info.etag, signal)).length;
  }

  /** A reader with FileHandle's read() shape (for readers written against files). */
  positioned(): PositionedReader {
    return {
      read: async (buffer, offset, length, position) => ({ bytesRead: await this.readInto(buffer.subarray(offset, offset + length), position) }),
      close: async () => {},
    };
  }

  /** Fills `target` with the bytes from `start` (one range GET, retried), and caches them. */
  private async fetchInto(target: Buffer, start: number, etag: string, signal?: AbortSignal): Promise<Buffer> {
    const end = start + target.length;
    await this.request(start, end, 'GET', signal, target);
    await this.store.cache?.put({ object: this.name, etag, start, end }, target);
    return target;
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

  private async request(start: number, end: number, method: 'GET' | 'HEAD', signal?: AbortSignal, into?: Buffer): Promise<ObjectInfo> {
    const store = this.store;
    let attempts = 0;
    try {
      return await withRetries(
        () => {
          attempts++;
          return store.limiter.run(() => this.once(start, end, method, signal, into));
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

  private async once(start: number, end: number, method: 'GET' | 'HEAD', signal?: AbortSignal, into?: Buffer): Promise<ObjectInfo> {
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
    // 412: If-Match failed. 416 for a range inside the pinned size: the object shrank (some
    // servers, s3rver among them, check the range before If-Match).
    const shrank = response.status === 416 && this.pinned !== undefined && end <= this.pinned.size;
    if (response.status === 412 || shrank || (this.pinned !== undefined && etag !== '' && etag !== this.pinned.etag)) {
      await response.body?.cancel();
      throw new ObjectChangedError(`'${this.name}' changed while it was read: ETag ${etag || '?'} (HTTP ${response.status}), pinned ${this.pinned?.etag ?? '?'}`);
    }
    if (method === 'HEAD') {
      if (response.status !== 200) throw new PermanentError(`HTTP ${response.status} ${response.statusText}`);
      const size = Number(response.headers.get('content-length'));
      if (!Number.isSafeInteger(size)) throw new PermanentError('no Content-Length');
      return { size, etag };
    }
    if (response.status !== 206) {
      await response.body?.cancel();
      throw new PermanentError(response.status === 200 ? 'the server ignores Range requests (HTTP 200 to a range)' : `HTTP ${response.status} ${response.statusText}`);
    }
    await readBody(response, into ?? Buffer.allocUnsafe(end - start), store.counters);
    return { size: this.pinned?.size ?? end, etag };
  }
}

/**
 * Copies a response body into `target` chunk by chunk as it arrives (arrayBuffer() would
 * gather the chunks and copy them once more). A body cut short, or longer than asked, is a
 * TransientError: the request is retried whole, so the caller gets all of the range or an
 * error, never part of it.
 */
async function readBody(response: Response, target: Buffer, counters: { bytes: number }): Promise<void> {
  const reader = response.body?.getReader();
  let at = 0;
  for (;;) {
    const part = await reader?.read();
    if (part === undefined || part.done) break;
    if (at + part.value.length > target.length) {
      await reader!.cancel();
      throw new TransientError(`got more than the ${target.length} bytes asked for`);
    }
    target.set(part.value, at);
    at += part.value.length;
    counters.bytes += part.value.length;
  }
  if (at !== target.length) throw new TransientError(`got ${at} bytes of ${target.length}`);
}

/** FileHandle.read's shape: what a range reader written for files needs. */
export interface PositionedReader {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}
