// Worker entry of mapParallel (run by piscina). Each task is one chunk; the result is one
// chunk, typed arrays transferred back. Errors thrown by the user's function come back as
// values (with the element index), so the main thread can name the element.

import { allocColumn, type Chunk, chunkToArray, ColumnChunk, dtypeOf, type NumericArray } from '../chunk.js';
import { isThenable } from '../errors.js';
import { importModule } from './load.js';
import { fromWire, moved, toWire, type WireChunk } from './wire.js';

/** Where the function comes from: a module URL, or the source text of a plain function. */
export type FnSpec = { kind: 'module'; url: string } | { kind: 'source'; source: string };

export interface MapTask {
  spec: FnSpec;
  chunk: WireChunk;
  /** Epoch index of the chunk's first element. */
  index: number;
}

export type MapResult = { ok: true; chunk: WireChunk } | { ok: false; error: unknown; index: number | undefined };

type ElementFn = (value: unknown, index: number) => unknown;
type ChunkFn = (chunk: unknown, index: number) => unknown;
type Loaded = { kind: 'element'; fn: ElementFn } | { kind: 'chunk'; fn: ChunkFn };

const loaded = new Map<string, Promise<Loaded>>();

function load(spec: FnSpec): Promise<Loaded> {
  const key = spec.kind === 'module' ? `m:${spec.url}` : `s:${spec.source}`;
  let p = loaded.get(key);
  if (p === undefined) {
    p = spec.kind === 'module' ? loadModule(spec.url) : Promise.resolve(loadSource(spec.source));
    loaded.set(key, p);
  }
  return p;
}

async function loadModule(url: string): Promise<Loaded> {
  const mod = await importModule(url);
  if (typeof mod['mapChunk'] === 'function') return { kind: 'chunk', fn: mod['mapChunk'] as ChunkFn };
  const fn = typeof mod['map'] === 'function' ? mod['map'] : mod['default'];
  if (typeof fn !== 'function') throw new Error(`${url} exports no function: expected a default export, 'map' or 'mapChunk'`);
  return { kind: 'element', fn: fn as ElementFn };
}

function loadSource(source: string): Loaded {
  // A plain function is shipped as its source text: it cannot see variables outside it.
  const fn = new Function(`return (${source});`)() as unknown;
  if (typeof fn !== 'function') throw new Error('the function source did not evaluate to a function');
  return { kind: 'element', fn: fn as ElementFn };
}

export default async function run(task: MapTask): Promise<unknown> {
  let at: number | undefined;
  try {
    const impl = await load(task.spec);
    const input = fromWire<unknown>(task.chunk);
    let output: Chunk<unknown>;
    if (impl.kind === 'chunk') {
      const view = input instanceof ColumnChunk ? { size: input.size, columns: input.columns } : input;
      output = toChunk(await impl.fn(view, task.index));
    } else {
      const items = chunkToArray(input);
      const out = new Array<unknown>(items.length);
      let async = false;
      for (let i = 0; i < items.length; i++) {
        at = task.index + i;
        const v = impl.fn(items[i], at);
        if (!async && isThenable(v)) async = true;
        out[i] = v;
      }
      at = undefined;
      if (async) {
        for (let i = 0; i < out.length; i++) {
          at = task.index + i;
          out[i] = await out[i];
        }
        at = undefined;
      }
      output = toColumns(out, input);
    }
    const unclonable = output instanceof ColumnChunk ? undefined : firstUnclonable(output);
    if (unclonable !== undefined) {
      at = task.index + unclonable.at;
      throw new Error(`the worker's result could not be cloned to the main thread: ${unclonable.message}`);
    }
    const transfer: ArrayBuffer[] = [];
    const chunk = toWire(output, transfer);
    return moved({ ok: true, chunk } satisfies MapResult, transfer);
  } catch (error) {
    return { ok: false, error, index: at } satisfies MapResult;
  }
}

/**
 * The first result that cannot be cloned to the main thread (a function,
 * a symbol, an object holding one): piscina's own post would end the worker with an error
 * the main thread receives as an empty object. Rows only (columns are typed arrays); the
 * element is looked for only once the whole chunk failed.
 */
function firstUnclonable(items: readonly unknown[]): { at: number; message: string } | undefined {
  try {
    structuredClone(items);
    return undefined;
  } catch {
    for (let i = 0; i < items.length; i++) {
      try {
        structuredClone(items[i]);
      } catch (e) {
        return { at: i, message: e instanceof Error ? e.message : String(e) };
      }
    }
    return undefined;
  }
}

/** What a `mapChunk` returns: an array, a ColumnChunk or a `{ size, columns }` block. */
function toChunk(x: unknown): Chunk<unknown> {
  if (Array.isArray(x) || x instanceof ColumnChunk) return x;
  if (typeof x === 'object' && x !== null && typeof (x as { size?: unknown }).size === 'number' && typeof (x as { columns?: unknown }).columns === 'object') {
    const b = x as { size: number; columns: Record<string, NumericArray> };
    return new ColumnChunk(b.size, b.columns);
  }
  throw new Error(`mapChunk must return an array or { size, columns }, got ${typeof x}`);
}

/**
 * Numeric records go back as columns (typed arrays transfer; objects would be cloned
 * field by field). A field keeps the input column's dtype when it has one.
 */
function toColumns(out: unknown[], input: Chunk<unknown>): Chunk<unknown> {
  const first = out[0];
  if (out.length === 0 || typeof first !== 'object' || first === null || Object.getPrototypeOf(first) !== Object.prototype) return out;
  const names = Object.keys(first);
  if (names.length === 0) return out;
  const columns: Record<string, NumericArray> = {};
  const like = input instanceof ColumnChunk ? input.columns : {};
  for (const name of names) {
    const src = like[name];
    columns[name] = allocColumn(src === undefined ? 'float64' : dtypeOf(src), out.length);
  }
  for (let i = 0; i < out.length; i++) {
    const row = out[i] as Record<string, unknown> | null;
    if (row === null || typeof row !== 'object' || Object.getPrototypeOf(row) !== Object.prototype) return out;
    for (const name of names) {
      const v = row[name];
      if (typeof v !== 'number') return out;
      columns[name]![i] = v;
    }
    if (Object.keys(row).length !== names.length) return out;
  }
  // A value an int32 column cannot hold (a fraction, an overflow) would be silently
  // changed: keep rows then. float32 rounds, as batch() does with a float32 schema.
  for (const name of names) {
    const col = columns[name]!;
    if (!(col instanceof Int32Array)) continue;
    for (let i = 0; i < out.length; i++) if (col[i] !== (out[i] as Record<string, number>)[name]) return out;
  }
  return new ColumnChunk(out.length, columns);
}
