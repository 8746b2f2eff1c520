// A columnar dataset over given typed arrays, in chunks of `chunk` rows (the shape csv's fast engine gives).
import { dtypeOf } from '../../src/chunk.js';
import { type AnyColumns, ColumnChunk, Dataset, type RowOf } from '../../src/index.js';

export function columnar<C extends AnyColumns>(columns: C, chunk = 3): Dataset<RowOf<C>, C> {
  const n = Object.values(columns)[0]?.length ?? 0;
  const schema = Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, dtypeOf(v)]));
  return new Dataset<RowOf<C>, C>({
    size: n,
    schema,
    async *open() {
      for (let s = 0; s < n; s += chunk) {
        const e = Math.min(n, s + chunk);
        yield new ColumnChunk<RowOf<C>>(e - s, Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, v.subarray(s, e)])));
      }
      return undefined;
    },
  });
}
