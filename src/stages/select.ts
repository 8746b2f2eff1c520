import type { AnyColumns, ChunkSource, RowOf } from '../chunk.js';
import { OptionError } from '../errors.js';
import { checkColumnName, mapColumns } from './map-columns.js';

/** Keeps the named columns, in this order (no copy). Names are checked against the schema when it is known. */
export function select<T, D extends AnyColumns>(source: ChunkSource<T>, names: readonly string[]): ChunkSource<RowOf<D>> {
  if (!Array.isArray(names) || names.length === 0) throw new OptionError(`select: name at least one column`);
  for (const n of names) checkColumnName('select', 'a column name', n, source.schema);
  if (new Set(names).size !== names.length) throw new OptionError(`select: a column is named twice (${names.join(', ')})`);
  return mapColumns<T, D>(
    source,
    (columns, _size, index) => {
      const out: Record<string, AnyColumns[string]> = {};
      for (const n of names) {
        const c = columns[n];
        if (c === undefined) throw new Error(`no column '${n}' in the chunk at ${index} (has ${Object.keys(columns).join(', ')})`);
        out[n] = c;
      }
      return out as D;
    },
    'select',
  );
}
