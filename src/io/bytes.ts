// Opening a byte source by name: a plain file (optionally a byte range of it), a gzip file
// decompressed on the fly, or an http(s) URL whose body is streamed. Shared by the text
// sources (csv, inspect) so each of them gets the same errors and the same clean exit.
import { open } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { OptionError } from '../errors.js';
import { FileError, readBytes, type ReadBytesOptions } from './file.js';
import type { ObjectStoreOptions } from './object-store.js';
import { isS3 } from './remote.js';
import { isGzip, isUrl, supportsByteRange } from './source-kind.js';
import { readRemote } from './remote-stream.js';

export interface OpenBytesOptions extends ReadBytesOptions {
  /** For s3:// names and ranges of http(s) URLs: credentials, endpoint, concurrency, retries, cache. */
  store?: ObjectStoreOptions;
  /** For a URL: milliseconds to wait for the response headers. Default 30 000. */
  connectTimeoutMs?: number;
  /** For a URL: milliseconds without a byte of the body before giving up. Default 60 000. */
  idleTimeoutMs?: number;
  /** Closes the file or the connection (the read then fails with the signal's reason). */
  signal?: AbortSignal;
}

/**
 * The bytes of a file, a `.gz` file (decompressed), an http(s) URL or an `s3://bucket/key`
 * object (range GETs: see readRemote), a block at a time. A byte range of a URL is read with
 * range requests too.
 * Nothing is opened until iteration starts; a missing file, a directory, a file without read
 * permission or an HTTP status other than 200 fail at the first `next()` with a FileError
 * naming the path. `return()` closes the file or the connection.
 * @example
 * for await (const block of openBytes('ratings.csv.gz')) total += block.length;
 */
export function openBytes(pathOrUrl: string, options: OpenBytesOptions = {}): AsyncGenerator<Buffer, undefined> {
  const ranged = (options.start ?? 0) > 0 || options.end !== undefined;
  if (ranged && !supportsByteRange(pathOrUrl)) {
    throw new OptionError(`openBytes: a byte range needs a file, an s3:// object or a URL, not a .gz file ('${pathOrUrl}')`);
  }
  if (isS3(pathOrUrl) || (ranged && isUrl(pathOrUrl))) {
    // A whole object is read in the store's parts (partBytes), a range in the size asked.
    const { chunkBytes, ...rest } = options;
    return readRemote(pathOrUrl, ranged && chunkBytes !== undefined ? { ...rest, chunkBytes } : rest);
  }
  if (isUrl(pathOrUrl)) return readUrl(pathOrUrl, options);
  if (isGzip(pathOrUrl)) return readGzipFile(pathOrUrl);
  return readBytes(pathOrUrl, options);
}

async function* readGzipFile(path: string): AsyncGenerator<Buffer, undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
    if ((await handle.stat()).isDirectory()) throw new Error('is a directory');
  } catch (e) {
    await handle?.close();
    throw new FileError(path, e);
  }
  const file = handle.createReadStream({ highWaterMark: 1 << 20 });
  yield* gunzip(path, file);
  return undefined;
}

/**
 * An http(s) body. Connect timeout: the response headers must come within
 * `connectTimeoutMs`; idle timeout: the socket may stay silent at most `idleTimeoutMs`
 * (a stalled or trickling server ends in a FileError naming the URL, not a wait forever).
 */
async function* readUrl(url: string, options: OpenBytesOptions): AsyncGenerator<Buffer, undefined> {
  let response: IncomingMessage;
  const get = url.toLowerCase().startsWith('https:') ? httpsGet : httpGet;
  const connectMs = options.connectTimeoutMs ?? 30_000;
  const idleMs = options.idleTimeoutMs ?? 60_000;
  options.signal?.throwIfAborted();
  try {
    response = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = get(url, options.signal === undefined ? {} : { signal: options.signal }, resolve);
      const timer = setTimeout(() => request.destroy(new Error(`no response within ${connectMs} ms (connectTimeoutMs)`)), connectMs);
      request.on('response', () => clearTimeout(timer));
      request.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  } catch (e) {
    throw new FileError(url, e);
  }
  response.setTimeout(idleMs, () => response.destroy(new Error(`no data for ${idleMs} ms (idleTimeoutMs)`)));
  try {
    if (response.statusCode !== 200) {
      throw new FileError(url, new Error(`HTTP ${response.statusCode ?? '?'} ${response.statusMessage ?? ''}`.trim()));
    }
    if (isGzip(url)) yield* gunzip(url, response);
    else yield* pump(url, response);
  } finally {
    response.destroy();
  }
  return undefined;
}

async function* gunzip(name: string, input: Readable): AsyncGenerator<Buffer, undefined> {
  const z = createGunzip();
  input.on('error', (e) => z.destroy(e));
  input.pipe(z);
  try {
    yield* pump(name, z);
  } finally {
    input.destroy();
    z.destroy();
  }
  return undefined;
}

async function* pump(name: string, stream: Readable): AsyncGenerator<Buffer, undefined> {
  try {
    for await (const block of stream) yield block as Buffer;
  } catch (e) {
    throw e instanceof FileError ? e : new FileError(name, e);
  }
  return undefined;
}
