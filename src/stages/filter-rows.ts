import { allocColumn, type AnyColumns, type ChunkSource, dtypeOf, type NumericArray } from '../chunk.js';
import { checkFunction, describe } from '../errors.js';
import { type ColumnsFn, mapColumns } from './map-columns.js';

/** A row mask: non-zero (or true) keeps the row. */
export type RowMask = Uint8Array | Int32Array | Float32Array | Float64Array | readonly boolean[];

/**
 * Keeps the rows whose mask entry is non-zero; `mask` computes one entry per row from the
 * chunk's columns, once per chunk. Columnar all the way: kept rows are gathered column by
 * column (a chunk kept whole is passed on as it is). Epoch size becomes unknown.
 */
export function filterRows<T>(source: ChunkSource<T>, mask: ColumnsFn<AnyColumns, RowMask>): ChunkSource<T> {
  checkFunction('filterRows', 'mask', mask);
  const out = mapColumns<T, AnyColumns>(
    source,
    (columns, size, index) => {
      const m = mask(columns, size, index);
      if (!(ArrayBuffer.isView(m) || Array.isArray(m)) || (m as ArrayLike<unknown>).length !== size) {
        throw new Error(`the mask must be a typed array or boolean array of the chunk's ${size} rows, got ${describe(m)}${ArrayBuffer.isView(m) || Array.isArray(m) ? ` of ${(m as ArrayLike<unknown>).length}` : ''}`);
      }
      return gather(columns, m as ArrayLike<number | boolean>, size);
    },
    'filterRows',
    false,
  );
  return { get size() { return undefined; }, get schema() { return out.schema ?? source.schema; }, open: (e, options) => out.open(e, options) as ReturnType<ChunkSource<T>['open']> };
}

function gather(columns: AnyColumns, mask: ArrayLike<number | boolean>, size: number): AnyColumns {
  let kept = 0;
  for (let i = 0; i < size; i++) if (mask[i]) kept++;
  if (kept === size) return columns;
  const out: Record<string, NumericArray> = {};
  for (const name in columns) {
    const src = columns[name]!;
    const dst = allocColumn(dtypeOf(src), kept);
    for (let i = 0, k = 0; i < size; i++) if (mask[i]) dst[k++] = src[i]!;
    out[name] = dst;
  }
  return out;
}
