// Helpers of csvParallel's epochs: how a file is cut into ranges, its header line, and
// what a worker's decoded range becomes in this thread.
import { type Chunk, ColumnChunk, type NumericArray } from '../chunk.js';
import { StageError } from '../errors.js';
import type { CsvOptions } from './reader.js';
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

/** A worker's error, named after the range; a DataError keeps its message (file, line, raw row). */
export function rangeError(path: string, start: number, end: number, error: unknown): Error {
  return new StageError(`csvParallel '${path}' bytes [${start}, ${end})`, undefined, error);
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
