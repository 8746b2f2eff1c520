// A remote object seen through the two random-access interfaces the columnar readers take:
// a FileHandle look-alike for apache-arrow (its footer, then each record batch at its
// offset) and hyparquet's AsyncBuffer (the footer, then each column chunk of a row group).
// Every read is a range GET of the pinned version (see RemoteObject).
import type { ObjectStoreOptions } from './object-store.js';
import { RemoteObject } from './remote.js';

/** hyparquet's AsyncBuffer: a length and ranges read on demand. */
export interface AsyncBuffer {
  byteLength: number;
  slice(start: number, end?: number): Promise<ArrayBuffer>;
}

/**
 * An object as hyparquet's AsyncBuffer: each slice is one range GET (retried, ETag-pinned).
 * @example
 * const file = await remoteAsyncBuffer('s3://bucket/ratings.parquet', { endpoint: 'http://127.0.0.1:9000' });
 * const footer = await file.slice(file.byteLength - 8); // the footer's length and 'PAR1'
 */
export async function remoteAsyncBuffer(name: string, store: ObjectStoreOptions = {}): Promise<AsyncBuffer> {
  const object = new RemoteObject(name, store);
  const { size } = await object.stat();
  return {
    byteLength: size,
    slice: async (start, end = size) => {
      const bytes = await object.read(start, end);
      return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
}

/** FileHandle's shape as apache-arrow's RecordBatchReader.from takes it (it checks for `fd` and `stat`). */
export interface RemoteHandle {
  fd: number;
  stat(): Promise<{ size: number }>;
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number; buffer: Uint8Array }>;
  close(): Promise<void>;
}

/**
 * An object as a FileHandle for apache-arrow. Arrow reads a message's length, then its
 * header, then its body: small reads near each other. Reads shorter than `partBytes` are
 * served from the one aligned part last fetched (one request per part, not per read);
 * longer ones go straight into the caller's buffer.
 * @example
 * const handle = await remoteFileHandle('s3://bucket/ratings.arrow');
 * const { bytesRead } = await handle.read(new Uint8Array(6), 0, 6, 0); // 'ARROW1'
 */
export async function remoteFileHandle(name: string, store: ObjectStoreOptions = {}, partBytes = 1 << 20): Promise<RemoteHandle> {
  const object = new RemoteObject(name, store);
  const { size } = await object.stat();
  let part: { start: number; bytes: Buffer } | undefined;
  const read = async (buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number; buffer: Uint8Array }> => {
    const want = Math.max(0, Math.min(length, size - position, buffer.byteLength - offset));
    const target = Buffer.from(buffer.buffer, buffer.byteOffset + offset, want);
    if (want >= partBytes) return { bytesRead: await object.readInto(target, position), buffer };
    for (let done = 0; done < want; ) {
      const at = position + done;
      if (part === undefined || at < part.start || at >= part.start + part.bytes.length) {
        const start = at - (at % partBytes);
        part = { start, bytes: await object.read(start, Math.min(size, start + partBytes)) };
      }
      done += part.bytes.copy(target, done, at - part.start, Math.min(part.bytes.length, at - part.start + want - done));
    }
    return { bytesRead: want, buffer };
  };
  return { fd: -1, stat: async () => ({ size }), read, close: async () => void (part = undefined) };
}
