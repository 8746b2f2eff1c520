// The header line: the one place that finds it (quote-aware, blank lines before it passed
// over, a BOM dropped by lineBlocks) and splits it into names. csv() takes it from the
// stream it reads anyway; a byte range, csvParallel and shuffledCsv read it from the file.
import { closeSync, openSync, readSync } from 'node:fs';
import { DataError } from '../errors.js';
import { FileError } from '../io/file.js';
import { openBytes } from '../io/bytes.js';
import type { ObjectStoreOptions } from '../io/object-store.js';
import { recordEndBytes, splitRows } from './records.js';
import { bomLength, lineBlocks } from './lines.js';

const LF = 0x0a;
const CR = 0x0d;

/** The header: its names, the lines it took (blank lines before it included), and the rest of the block it ended in. */
export interface Header {
  names: string[] | undefined;
  /** Lines up to and including the header's last line. */
  lines: number;
  /** Bytes up to the end of the header line (from where the reading started, BOM excluded). */
  bytes: number;
  /** The bytes after the header in the last block read (undefined at the end of input). */
  rest: Buffer | undefined;
}

/** Where the first non-blank line starts from `pos` (blank: empty or CR), and how many lines were passed over. */
function skipBlank(buf: Uint8Array, pos: number): { pos: number; lines: number } {
  let lines = 0;
  while (pos < buf.length && (buf[pos] === LF || (buf[pos] === CR && buf[pos + 1] === LF))) {
    pos += buf[pos] === LF ? 1 : 2;
    lines++;
  }
  return { pos, lines };
}

/**
 * Takes the header from a stream of whole-line blocks (lineBlocks): blank lines before it
 * are passed over, a quoted newline in it joins the next block. A header longer than
 * `maxBytes` is a DataError naming the file (memory stays bounded on any input).
 */
export async function takeHeader(read: () => Promise<Buffer | undefined>, file: string, delimiter: string, maxBytes: number): Promise<Header> {
  let lines = 1;
  let bytes = 0;
  let buf = await read();
  let atEnd = false;
  while (buf !== undefined) {
    const blank = skipBlank(buf, 0);
    lines += blank.lines;
    bytes += blank.pos;
    if (blank.pos === buf.length) {
      buf = await read(); // all blank: nothing to keep
      continue;
    }
    if (blank.pos > 0) buf = buf.subarray(blank.pos);
    let end = recordEndBytes(buf, 0, delimiter) - 1;
    while (end < 0 && !atEnd) {
      if (buf.length > maxBytes) break;
      const more = await read();
      if (more === undefined) atEnd = true;
      else buf = Buffer.concat([buf, more]);
      end = recordEndBytes(buf, 0, delimiter) - 1;
    }
    if (end < 0 && !atEnd) throw tooLong(file, lines, buf, maxBytes);
    const stop = end < 0 ? buf.length : end + 1;
    if (stop - 1 > maxBytes) throw tooLong(file, lines, buf, maxBytes);
    const text = buf.toString('utf8', 0, stop);
    const names = headerNames(text, delimiter, file, lines);
    for (let i = 0; i < stop; i++) if (buf[i] === LF) lines++;
    return { names, lines, bytes: bytes + stop, rest: stop < buf.length ? buf.subarray(stop) : await read() };
  }
  return { names: undefined, lines, bytes, rest: undefined };
}

function headerNames(text: string, delimiter: string, file: string, line: number): string[] {
  try {
    return splitRows(text, delimiter)[0] ?? [];
  } catch (e) {
    throw new DataError({ file, line, raw: text, reason: `the header line does not parse (${e instanceof Error ? e.message : String(e)})` });
  }
}

function tooLong(file: string, line: number, buf: Buffer, maxBytes: number): DataError {
  return new DataError({ file, line, raw: buf.toString('utf8', 0, 200), reason: `the header line is longer than maxRowBytes (${maxBytes} bytes)` });
}

/**
 * The header of a file (plain, .gz or URL), read from its start: names, and the byte
 * offset where its rows start (after the BOM and the header line).
 * @example
 * const { names, start } = await readHeader('ratings.csv', ',', 1 << 20); // ['userId', …], 31
 */
export async function readHeader(path: string, delimiter: string, maxBytes: number, store?: ObjectStoreOptions): Promise<{ names: string[] | undefined; start: number }> {
  let bom = 0;
  // Small reads, none ahead: a remote object is not fetched past its first line.
  const blocks = lineBlocks(openBytes(path, { chunkBytes: 64 << 10, aheadUntil: 0, ...(store === undefined ? {} : { store }) }), { offset: 0, alignStart: false, maxLineBytes: maxBytes, file: path, onBom: (n) => (bom = n) });
  try {
    const read = async (): Promise<Buffer | undefined> => {
      const r = await blocks.next();
      return r.done ? undefined : r.value;
    };
    const h = await takeHeader(read, path, delimiter, maxBytes);
    return { names: h.names, start: bom + h.bytes };
  } finally {
    await blocks.return(undefined);
  }
}

/** readHeader for a plain local file, without awaiting (for callers that must stay synchronous). */
export function readHeaderSync(path: string, delimiter: string, maxBytes: number): { names: string[] | undefined; start: number } {
  const fd = openLocal(path);
  try {
    let buf = Buffer.alloc(0);
    for (let at = 0; ; ) {
      const block = Buffer.allocUnsafe(64 << 10);
      const n = readLocal(path, fd, block, 0, block.length, at);
      at += n;
      buf = Buffer.concat([buf, block.subarray(0, n)]);
      const bom = bomLength(buf);
      const blank = skipBlank(buf, bom);
      const end = blank.pos < buf.length ? recordEndBytes(buf, blank.pos, delimiter) - 1 : -1;
      if (end >= 0 || n === 0) {
        const stop = end >= 0 ? end + 1 : buf.length;
        if (blank.pos >= buf.length) return { names: undefined, start: buf.length };
        return { names: headerNames(buf.toString('utf8', blank.pos, stop), delimiter, path, 1 + blank.lines), start: stop };
      }
      if (buf.length - blank.pos > maxBytes) throw tooLong(path, 1 + blank.lines, buf.subarray(blank.pos), maxBytes);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The text of a local file's first lines from byte `start` (whole lines: at most `maxLines`
 * of them, or what `maxBytes` holds; the rest of the file when it ends first), without
 * awaiting: a sample to guess the columns' dtypes from (shuffledCsv, once an epoch).
 */
export function readLinesSync(path: string, start: number, maxLines: number, maxBytes: number): string {
  const fd = openLocal(path);
  try {
    const buf = Buffer.allocUnsafe(maxBytes);
    let got = 0;
    let lines = 0;
    let lastLf = -1;
    while (got < maxBytes && lines < maxLines) {
      const n = readLocal(path, fd, buf, got, Math.min(64 << 10, maxBytes - got), start + got);
      if (n === 0) return buf.toString('utf8', start === 0 ? bomLength(buf.subarray(0, got)) : 0, got); // the end of the file
      const read = buf.subarray(0, got + n); // past it: memory not read into
      for (let i = read.indexOf(LF, got); i >= 0 && lines < maxLines; i = read.indexOf(LF, i + 1)) (lastLf = i), lines++;
      got += n;
    }
    return buf.toString('utf8', start === 0 ? bomLength(buf.subarray(0, got)) : 0, lastLf + 1);
  } finally {
    closeSync(fd);
  }
}

/** openSync for reading, its error naming the file. */
function openLocal(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (e) {
    throw new FileError(path, e);
  }
}

/** readSync, its error naming the file. */
function readLocal(path: string, fd: number, buf: Buffer, offset: number, length: number, position: number): number {
  try {
    return readSync(fd, buf, offset, length, position);
  } catch (e) {
    throw new FileError(path, e);
  }
}
