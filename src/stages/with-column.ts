import type { AnyColumns, ChunkSource, NumericArray, RowOf } from '../chunk.js';
import { checkFunction, describe, OptionError } from '../errors.js';
import { type ColumnsFn, mapColumns } from './map-columns.js';

/** Columns `C` with column `N` added (or replaced) as `A`. */
export type WithColumn<C, N extends string, A> = { readonly [K in keyof C | N]: K extends N ? A : K extends keyof C ? C[K] : never };

/** Adds (or replaces) column `name` with what `fn` computes from the chunk's columns; the others pass through. */
export function withColumn<T, D extends AnyColumns>(source: ChunkSource<T>, name: string, fn: ColumnsFn<AnyColumns, NumericArray>): ChunkSource<RowOf<D>> {
  if (typeof name !== 'string' || name === '') throw new OptionError(`withColumn: name must be a non-empty string, got ${describe(name)}`);
  checkFunction('withColumn', 'fn', fn);
  return mapColumns<T, D>(source, (columns, size, index) => ({ ...columns, [name]: fn(columns, size, index) }) as unknown as D, 'withColumn');
}
