// join: adds columns of an in-memory side table (movies, users: thousands to hundreds of
// thousands of rows) to each row, matched on a key column, column-wise per chunk. The table
// is indexed once (a dense array for small non-negative integer keys, else a Map).
import { allocColumn, type AnyColumns, type ChunkSource, ColumnChunk, dtypeOf, epochOf, type NumericArray, type OpenOptions, type RowOf } from '../chunk.js';
import { checkOptionNames } from '../options.js';
import { describe, OptionError, StageError } from '../errors.js';
import { columnsOfChunk, mapColumns } from './map-columns.js';

export interface JoinOptions<K extends string = string, J extends string = string> {
  /** The key column, in both the dataset and the table (e.g. 'movieId'). */
  on: K;
  /** The table's columns to add to each row. */
  columns: readonly J[];
  /**
   * A key the table lacks: 'error' (default: a StageError naming the key and the element),
   * or `{ fill }`: the added columns take `fill` and the row is counted in `stats.missing`.
   */
  missing?: 'error' | { readonly fill: number };
  /** Filled with each epoch's count of rows whose key the table lacks. */
  stats?: { missing: number };
}

/** Columns `C` with the table's columns `J` added. */
export type Joined<C, TC, J extends PropertyKey> = { readonly [P in keyof C | J]: P extends keyof C ? C[P] : P extends keyof TC ? TC[P] : never };

/** A side table: name → typed array, all the same length; or a dataset read whole once. */
export type SideTable<TC> = TC | { chunks(): AsyncIterable<unknown>; readonly schema?: unknown };

/** Row numbers of a table's keys. */
class KeyIndex {
  private dense: Int32Array | undefined;
  private map: Map<number, number> | undefined;

  constructor(keys: NumericArray) {
    let max = -1;
    let denseOk = true;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (!(Number.isInteger(k) && k >= 0 && k < 1 << 24)) denseOk = false;
      else if (k > max) max = k;
    }
    if (denseOk && max < Math.max(1024, 8 * keys.length)) {
      const d = new Int32Array(max + 1).fill(-1);
      for (let i = 0; i < keys.length; i++) {
        if (d[keys[i]!]! >= 0) throw new OptionError(`join: key ${keys[i]} appears twice in the table (rows ${d[keys[i]!]} and ${i})`);
        d[keys[i]!] = i;
      }
      this.dense = d;
    } else {
      const m = new Map<number, number>();
      for (let i = 0; i < keys.length; i++) {
        if (m.has(keys[i]!)) throw new OptionError(`join: key ${keys[i]} appears twice in the table (rows ${m.get(keys[i]!)} and ${i})`);
        m.set(keys[i]!, i);
      }
      this.map = m;
    }
  }

  /** The row of `key`, or -1. */
  rowOf(key: number): number {
    const d = this.dense;
    if (d !== undefined) return Number.isInteger(key) && key >= 0 && key < d.length ? d[key]! : -1;
    return this.map!.get(key) ?? -1;
  }
}

/** Adds the table's `columns` to each row, matched on `on`. See JoinOptions. */
export function join<T, D extends AnyColumns>(source: ChunkSource<T>, table: SideTable<AnyColumns>, options: JoinOptions): ChunkSource<RowOf<D>> {
  checkOptionNames('join', options, ['on', 'columns', 'missing', 'stats']);
  const { on, columns: wanted } = options;
  if (typeof on !== 'string' || on === '') throw new OptionError(`join: on must be a column name, got ${describe(on)}`);
  if (!Array.isArray(wanted) || wanted.length === 0 || !wanted.every((c) => typeof c === 'string')) throw new OptionError(`join: columns must name at least one column of the table, got ${describe(wanted)}`);
  const missing = options.missing ?? 'error';
  if (missing !== 'error' && !(typeof missing === 'object' && missing !== null && typeof missing.fill === 'number')) {
    throw new OptionError(`join: missing must be 'error' or { fill: number }, got ${describe(missing)}`);
  }
  const clash = wanted.find((c) => source.schema !== undefined && c in source.schema);
  if (clash !== undefined) throw new OptionError(`join: column '${clash}' is already in the dataset; rename one first`);
  const direct = isColumns(table) ? checkTable(table, on, wanted) : undefined;
  let loaded: Promise<{ cols: AnyColumns; index: KeyIndex }> | undefined;
  // A table of typed arrays is indexed now (a duplicate key is an option error); a dataset at the first epoch.
  if (direct !== undefined) loaded = Promise.resolve({ cols: direct, index: new KeyIndex(direct[on]!) });
  const ready = () => (loaded ??= (async () => {
    const cols = checkTable(await readTable(table as Exclude<SideTable<AnyColumns>, AnyColumns>), on, wanted);
    return { cols, index: new KeyIndex(cols[on]!) };
  })());

  const joined = (cols: AnyColumns, index: KeyIndex) =>
    mapColumns<T, D>(
      source,
      (c, size, first) => {
        const keys = c[on];
        if (keys === undefined) throw new Error(`no key column '${on}' in the chunk (has ${Object.keys(c).join(', ')})`);
        const out: Record<string, NumericArray> = { ...c };
        const rows = new Int32Array(size);
        for (let i = 0; i < size; i++) {
          const r = index.rowOf(keys[i]!);
          if (r < 0) {
            if (missing === 'error') throw new StageError('join', first + i, new Error(`key ${on}=${keys[i]} is not in the table`));
            if (options.stats !== undefined) options.stats.missing++;
          }
          rows[i] = r;
        }
        for (const name of wanted) {
          const src = cols[name]!;
          const dst = allocColumn(dtypeOf(src), size);
          const fill = missing === 'error' ? 0 : missing.fill;
          for (let i = 0; i < size; i++) dst[i] = rows[i]! >= 0 ? src[rows[i]!]! : fill;
          if (name in out) throw new Error(`column '${name}' is already in the dataset; rename one first`);
          out[name] = dst;
        }
        return out as D;
      },
      'join',
    );
  return {
    get size() {
      return source.size;
    },
    schema: source.schema === undefined ? undefined : { ...source.schema, ...Object.fromEntries(wanted.map((w) => [w, direct?.[w] ? dtypeOf(direct[w]) : 'float64'])) },
    open: (epoch, openOptions) => run(epoch, openOptions),
  };

  async function* run(epoch: number | undefined, openOptions: OpenOptions | undefined) {
    const { cols, index } = await ready();
    if (options.stats !== undefined) options.stats.missing = 0;
    yield* epochOf(joined(cols, index), epoch, openOptions);
    return undefined;
  }
}

function isColumns(x: unknown): x is AnyColumns {
  return x !== null && typeof x === 'object' && typeof (x as { chunks?: unknown }).chunks !== 'function';
}

function checkTable(cols: AnyColumns, on: string, wanted: readonly string[]): AnyColumns {
  const names = Object.keys(cols);
  for (const n of [on, ...wanted]) {
    const c = cols[n];
    if (!(c instanceof Int32Array || c instanceof Float32Array || c instanceof Float64Array)) {
      throw new OptionError(`join: the table has no column '${n}' of numbers (has ${names.join(', ')})`);
    }
    if (c.length !== cols[on]!.length) throw new OptionError(`join: the table's columns differ in length ('${n}': ${c.length}, '${on}': ${cols[on]!.length})`);
  }
  return cols;
}

/** A dataset's one epoch, as whole columns. */
async function readTable(ds: { chunks(): AsyncIterable<unknown> }): Promise<AnyColumns> {
  const parts: { size: number; columns: AnyColumns }[] = [];
  for await (const chunk of ds.chunks()) {
    const c = chunk instanceof ColumnChunk || Array.isArray(chunk) ? columnsOfChunk(chunk as ColumnChunk<unknown>, undefined, 'join (reading the table)', 0) : undefined;
    if (c === undefined) throw new OptionError('join: the table dataset must yield records of numbers');
    parts.push(c);
  }
  const size = parts.reduce((n, p) => n + p.size, 0);
  const out: Record<string, NumericArray> = {};
  for (const name of Object.keys(parts[0]?.columns ?? {})) {
    const col = allocColumn(dtypeOf(parts[0]!.columns[name]!), size);
    let at = 0;
    for (const p of parts) {
      col.set(p.columns[name]!, at);
      at += p.size;
    }
    out[name] = col;
  }
  return out;
}
