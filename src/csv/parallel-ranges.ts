// Helpers of csvParallel's epochs: how a file is cut into ranges, its header line, and
// what a worker's decoded range becomes in this thread.
import { type Chunk, ColumnChunk, type NumericArray } from '../chunk.js';
import { open } from 'node:fs/promises';
import { DataError, StageError } from '../errors.js';
import { FileError } from '../io/file.js';
import type { CsvColumns, CsvOptions } from './reader.js';
import { readHeader } from './header.js';
import { MAX_ROW_BYTES } from './lines.js';

/**
 * The byte ranges [start, end) that cover a file of `size` bytes: `rangeBytes` each, but the
 * first ones smaller (from FIRST_RANGE, doubling), so that the first rows reach the consumer
 * after a small range is decoded, not a whole one (a range is handed on once decoded).
 */
export function splitRanges(size: number, rangeBytes: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0, length = Math.min(FIRST_RANGE, rangeBytes); s < size; s += length, length = Math.min(2 * length, rangeBytes)) {
    out.push([s, Math.min(size, s + length)]);
  }
  if (out.length === 0) out.push([0, 0]);
  return out;
}

const FIRST_RANGE = 512 << 10;

/** The header line's fields (header.ts: quotes, BOM, blank lines before it, bounded length). */
export async function headerNames(path: string, options: CsvOptions): Promise<string[] | undefined> {
  return (await readHeader(path, options.delimiter ?? ',', options.maxRowBytes ?? MAX_ROW_BYTES)).names;
}

/** A worker's error: a DataError (file, line, column, raw row) or FileError as it is, else named after the range. */
export function rangeError(path: string, start: number, end: number, error: Error): Error {
  return error instanceof DataError || error instanceof FileError ? error : new StageError(`csvParallel '${path}' bytes [${start}, ${end})`, undefined, error);
}

/** Bytes of one arena: the largest range's rows (estimated from the rows per byte of the file's first 256 KiB) × the bytes of a row, with room to spare. */
export async function arenaBytes(path: string, size: number, columns: CsvColumns, rangeBytes: number): Promise<number> {
  const sample = Buffer.alloc(Math.min(size, 256 << 10));
  const file = await open(path, 'r').catch((e: unknown) => Promise.reject(new FileError(path, e)));
  let lines = 0;
  try {
    const { bytesRead } = await file.read(sample, 0, sample.length, 0);
    for (let i = sample.indexOf(10); i >= 0 && i < bytesRead; i = sample.indexOf(10, i + 1)) lines++;
  } finally {
    await file.close();
  }
  const rowBytes = Object.values(columns).reduce((n, d) => n + (d === 'float64' ? 8 : 4), 0);
  const largest = Math.min(size, rangeBytes);
  return Math.ceil(((largest * Math.max(lines, 1)) / sample.length) * rowBytes * 1.25) + (64 << 10);
}

/** The chunk with its columns in memory of its own (they were views of an arena). */
export function ownColumns<T>(chunk: Chunk<T>): Chunk<T> {
  if (!(chunk instanceof ColumnChunk)) return chunk;
  const columns: Record<string, NumericArray> = {};
  for (const name in chunk.columns) {
    const column = chunk.columns[name]!;
    columns[name] = column.buffer instanceof SharedArrayBuffer ? (column.slice() as NumericArray) : column; // past the arena's end: its own already
  }
  return new ColumnChunk<T>(chunk.size, columns);
}
