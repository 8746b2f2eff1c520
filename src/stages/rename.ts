import type { AnyColumns, ChunkSource, RowOf } from '../chunk.js';
import { describe, OptionError } from '../errors.js';
import { checkColumnName, mapColumns } from './map-columns.js';

/** Columns `C` with the names that `M` maps them to. */
export type Renamed<C, M> = { readonly [K in keyof C as K extends keyof M ? (M[K] extends string ? M[K] : K) : K]: C[K] };

/** Renames columns (`{ movieId: 'item' }`); the others keep their names and the column order is kept. */
export function rename<T, D extends AnyColumns>(source: ChunkSource<T>, mapping: Readonly<Record<string, string>>): ChunkSource<RowOf<D>> {
  if (mapping === null || typeof mapping !== 'object' || Array.isArray(mapping)) throw new OptionError(`rename: mapping must be an object of old name → new name, got ${describe(mapping)}`);
  const entries = Object.entries(mapping);
  if (entries.length === 0) throw new OptionError('rename: mapping names no column');
  for (const [from, to] of entries) {
    checkColumnName('rename', 'a column name', from, source.schema);
    if (typeof to !== 'string' || to === '') throw new OptionError(`rename: the new name of '${from}' must be a non-empty string, got ${describe(to)}`);
  }
  return mapColumns<T, D>(
    source,
    (columns) => {
      const out: Record<string, AnyColumns[string]> = {};
      for (const name in columns) {
        const to = mapping[name] ?? name;
        if (to in out) throw new Error(`two columns would be named '${to}'`);
        out[to] = columns[name]!;
      }
      return out as D;
    },
    'rename',
  );
}
