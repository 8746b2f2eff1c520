import type { ObjectStoreOptions } from './object-store.js';
import { RemoteObject } from './remote.js';

export interface RemoteBytesOptions {
  /** First byte. Default 0. */
  start?: number;
  /** Byte to stop before. Default: the object's end. */
  end?: number;
  /** Bytes per request. Default: the store's partBytes (8 MiB). */
  chunkBytes?: number;
  /** Read ahead only while the next part starts before this byte (as readBytes). */
  aheadUntil?: number;
  /** The store's options (credentials, endpoint, concurrency, cache, …). */
  store?: ObjectStoreOptions;
}

/**
 * The bytes of a remote object front to back, as range GETs of `chunkBytes` with the
 * store's `readAhead` of them in flight. The object's ETag is pinned when iteration starts.
 * @example
 * for await (const part of readRemote('s3://bucket/ratings.csv')) total += part.length;
 */
export async function* readRemote(name: string, options: RemoteBytesOptions = {}): AsyncGenerator<Buffer, undefined> {
  const object = new RemoteObject(name, options.store ?? {});
  const { size } = await object.stat();
  const step = options.chunkBytes ?? object.store.partBytes;
  const end = Math.min(options.end ?? size, size);
  const aheadUntil = options.aheadUntil ?? Infinity;
  const abort = new AbortController();
  const ahead: Promise<Buffer>[] = [];
  let next = options.start ?? 0;
  const fill = (depth: number): void => {
    while (ahead.length < depth && next < end && (ahead.length === 0 || next < aheadUntil)) {
      const part = object.read(next, Math.min(end, next + step), abort.signal);
      part.catch(() => {}); // rethrown when awaited
      ahead.push(part);
      next += step;
    }
  };
  try {
    for (fill(object.store.readAhead); ahead.length > 0; fill(object.store.readAhead)) {
      const part = await ahead.shift()!;
      yield part;
    }
  } finally {
    abort.abort();
    await Promise.allSettled(ahead);
  }
  return undefined;
}
