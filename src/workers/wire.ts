// How chunks cross a thread boundary. A ColumnChunk loses its class in structured clone,
// so it travels as `{ size, columns }`; its typed arrays travel in the transfer list.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ColumnChunk, type Chunk, type NumericArray } from '../chunk.js';
import { type BadRowInfo, DataError, errorMessage } from '../errors.js';
import { FileError } from '../io/file.js';

/** A chunk as posted to or from a worker. */
export type WireChunk = { kind: 'rows'; items: readonly unknown[] } | { kind: 'columns'; size: number; columns: Record<string, NumericArray> };

/**
 * Packs a chunk for postMessage. A typed array that spans its whole ArrayBuffer is
 * transferred (the sender gives it up); one that views part of a larger buffer is copied
 * first, because other chunks may share that buffer (shuffle's drain, arrow record batches)
 * and transferring it would detach them too. With `owned` (the chunk comes straight from a
 * source of fresh chunks, which keeps nothing of it), columns that together cover their one
 * buffer (csv's chunk layout) move whole too; a source that keeps chunks it handed out (the
 * many-files shuffle keeps them for receipts and short shards) must not lose them that way.
 */
export function toWire(chunk: Chunk<unknown>, transfer: ArrayBuffer[], owned = false): WireChunk {
  if (!(chunk instanceof ColumnChunk)) return { kind: 'rows', items: chunk };
  const columns: Record<string, NumericArray> = {};
  const shared = owned ? oneBuffer(Object.values(chunk.columns)) : undefined;
  if (shared !== undefined && !transfer.includes(shared)) transfer.push(shared);
  for (const name in chunk.columns) columns[name] = shared !== undefined ? chunk.columns[name]! : movable(chunk.columns[name]!, transfer);
  return { kind: 'columns', size: chunk.size, columns };
}

/**
 * The ArrayBuffer that `columns` (two or more) view, when together they cover all of it, side
 * by side (a chunk or batch laid out in one buffer, which nothing else views): it can move, or
 * be cloned, whole.
 * @example
 * const buffer = new ArrayBuffer(16);
 * oneBuffer([new Int32Array(buffer, 0, 2), new Float32Array(buffer, 8, 2)]); // buffer
 */
export function oneBuffer(columns: readonly NumericArray[]): ArrayBuffer | undefined {
  const buffer = columns[0]?.buffer;
  if (columns.length < 2 || !(buffer instanceof ArrayBuffer) || columns.some((c) => c.buffer !== buffer)) return undefined;
  const spans = columns.map((c) => [c.byteOffset, c.byteOffset + c.byteLength] as const).sort((a, b) => a[0] - b[0]);
  const tiled = spans.every(([start], i) => start === (i === 0 ? 0 : spans[i - 1]![1]));
  return tiled && spans.at(-1)![1] === buffer.byteLength ? buffer : undefined;
}

export function fromWire<T>(wire: WireChunk): Chunk<T> {
  return wire.kind === 'rows' ? (wire.items as readonly T[]) : new ColumnChunk<T>(wire.size, wire.columns);
}

function movable(column: NumericArray, transfer: ArrayBuffer[]): NumericArray {
  const buffer = column.buffer;
  if (!(buffer instanceof ArrayBuffer)) return column; // SharedArrayBuffer: shared, not moved
  if (column.byteOffset === 0 && column.byteLength === buffer.byteLength) {
    if (!transfer.includes(buffer)) transfer.push(buffer);
    return column;
  }
  const copy = column.slice() as NumericArray;
  transfer.push(copy.buffer as ArrayBuffer);
  return copy;
}

/** An error as posted from a worker: a DataError or FileError keeps its class and fields (structured clone keeps only the message). */
export type WireError =
  | { kind: 'data'; info: BadRowInfo }
  | { kind: 'file'; path: string; operation: string; cause: string }
  | { kind: 'other'; name: string; message: string };

export function errorToWire(error: unknown): WireError {
  if (error instanceof DataError) {
    const info = { file: error.file, line: error.line, raw: error.raw, reason: error.reason };
    return { kind: 'data', info: error.column === undefined ? info : { ...info, column: error.column } };
  }
  if (error instanceof FileError) return { kind: 'file', path: error.path, operation: error.operation, cause: errorMessage(error.cause) };
  return { kind: 'other', name: error instanceof Error ? error.name : typeof error, message: errorMessage(error) };
}

export function errorFromWire(wire: WireError): Error {
  if (wire.kind === 'data') return new DataError(wire.info);
  if (wire.kind === 'file') return new FileError(wire.path, new Error(wire.cause), wire.operation);
  const e = new Error(wire.message);
  e.name = wire.name;
  return e;
}

/** The symbols piscina marks a task's answer with (its dist/symbols.js). */
interface PiscinaSymbols {
  kMovable: symbol;
  kTransferable: symbol;
  kValue: symbol;
}
let piscinaSymbols: PiscinaSymbols | undefined;

/**
 * A worker task's answer whose `transfer` list piscina moves, not copies: what
 * `Piscina.move({ [Piscina.transferableSymbol]: transfer, [Piscina.valueSymbol]: value })`
 * returns, made from piscina's symbols module, which its worker has loaded already. Importing
 * 'piscina' in a worker loads its whole main module (the pool, its queues and histograms):
 * ~15 ms of each worker's start, before it reads a block.
 * @example
 * function answer(chunk: Chunk<unknown>): { chunk: WireChunk } {
 *   const transfer: ArrayBuffer[] = [];
 *   return moved({ chunk: toWire(chunk, transfer) }, transfer);
 * }
 */
export function moved<T>(value: T, transfer: ArrayBuffer[]): T {
  if (piscinaSymbols === undefined) {
    const require = createRequire(import.meta.url);
    const symbols = require(join(dirname(require.resolve('piscina')), 'symbols.js')) as Partial<PiscinaSymbols>;
    // The public two are registered symbols: a check that this is the module piscina's worker reads.
    if (typeof symbols.kMovable !== 'symbol' || symbols.kTransferable !== Symbol.for('Piscina.transferable') || symbols.kValue !== Symbol.for('Piscina.valueOf')) {
      throw new Error("piscina's dist/symbols.js is not the one sluice knows (piscina 5): cannot move a worker's answer");
    }
    piscinaSymbols = symbols as PiscinaSymbols;
  }
  const { kMovable, kTransferable, kValue } = piscinaSymbols;
  const answer = { [kTransferable]: transfer, [kValue]: value };
  Object.defineProperty(answer, kMovable, { value: true, enumerable: false, configurable: true, writable: true });
  return answer as T;
}
