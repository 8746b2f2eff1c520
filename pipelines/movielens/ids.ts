import { type Dataset } from '../../src/core.js';
import type { Rating } from './read.js';
import { isTestRow } from './split.js';

const DENSE_LIMIT = 1 << 24;

/**
 * Raw ids → embedding rows 0…size-1 (in increasing id order, so the mapping is the same
 * whatever the file order): size a model's tables with `size`, map a column with
 * `mapColumn`. Built in one streamed pass by {@link indexRatings} (or `add` … `freeze`);
 * saved beside a model as `ids()` (JSON) and restored with `IdIndex.fromIds`. Ids below
 * 2^24 are looked up in a dense Int32Array (MovieLens ids are below 300k); others in a Map.
 * @example
 * const index = await indexRatings(readRatings('ratings.csv', { delimiter: ',', header: true }));
 * fs.writeFileSync('users.json', JSON.stringify(index.users.ids()));
 * const users = IdIndex.fromIds(JSON.parse(fs.readFileSync('users.json', 'utf8')) as number[]);
 * users.rowOf(42); // the row of user 42, or -1
 */
export class IdIndex {
  private seen = new Uint8Array(1024);
  private readonly big = new Set<number>();
  private dense: Int32Array | undefined;
  private sparse: Map<number, number> | undefined;
  size = 0;

  /** Records an id (before `freeze`). */
  add(id: number): void {
    if (id >= 0 && id < DENSE_LIMIT) {
      if (id >= this.seen.length) {
        let n = this.seen.length;
        while (n <= id) n *= 2;
        const grown = new Uint8Array(Math.min(n, DENSE_LIMIT));
        grown.set(this.seen);
        this.seen = grown;
      }
      this.seen[id] = 1;
    } else this.big.add(id);
  }

  /** Assigns rows; no more `add`s after this. */
  freeze(): this {
    const seen = this.seen;
    let max = -1;
    for (let i = 0; i < seen.length; i++) if (seen[i] === 1) max = i;
    // Shared memory: the worker loader gets the map without a copy (one stray id near 2^24
    // makes it 64 MB).
    this.dense = new Int32Array(new SharedArrayBuffer(4 * (max + 1))).fill(-1);
    let row = 0;
    for (let i = 0; i <= max; i++) if (seen[i] === 1) this.dense[i] = row++;
    if (this.big.size > 0) {
      this.sparse = new Map();
      for (const id of [...this.big].sort((a, b) => a - b)) this.sparse.set(id, row++);
    }
    this.size = row;
    this.seen = new Uint8Array(0);
    return this;
  }

  /** The frozen mapping as plain data (structured-cloneable: for a worker thread, which shares `dense`'s memory). */
  state(): IdIndexState {
    return { dense: this.dense!, sparse: this.sparse === undefined ? [] : [...this.sparse], size: this.size };
  }

  /** An index rebuilt from `state()`. */
  static fromState(state: IdIndexState): IdIndex {
    const index = new IdIndex();
    index.dense = state.dense;
    index.sparse = state.sparse.length > 0 ? new Map(state.sparse) : undefined;
    index.size = state.size;
    index.seen = new Uint8Array(0);
    return index;
  }

  /** The raw ids in row order (`ids()[row]` is the id of `row`): what to save with a model. */
  ids(): number[] {
    const out: number[] = [];
    const d = this.dense!;
    for (let id = 0; id < d.length; id++) if (d[id]! >= 0) out.push(id);
    if (this.sparse !== undefined) out.push(...this.sparse.keys());
    return out;
  }

  /** The index whose `ids()` is `ids` (as `ids()` gave them: row k is ids[k]). */
  static fromIds(ids: readonly number[]): IdIndex {
    const index = new IdIndex();
    for (const id of ids) {
      if (!Number.isInteger(id)) throw new RangeError(`IdIndex.fromIds: ids must be integers, got ${id}`);
      index.add(id);
    }
    index.freeze();
    ids.forEach((id, k) => {
      if (index.rowOf(id) !== k) throw new RangeError(`IdIndex.fromIds: ids[${k}] = ${id} is out of the order ids() gives (a duplicate, or not increasing)`);
    });
    return index;
  }

  /** The row of `id`, or -1 when it was never added. */
  rowOf(id: number): number {
    const d = this.dense!;
    if (id >= 0 && id < d.length) return d[id]!;
    return this.sparse?.get(id) ?? -1;
  }

  /** rows[k] = rowOf(ids[k]) for a whole column. */
  mapColumn(ids: Int32Array, out: Int32Array): void {
    const d = this.dense!;
    const n = d.length;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      out[k] = id >= 0 && id < n ? d[id]! : (this.sparse?.get(id) ?? -1);
    }
  }
}

export interface IdIndexState {
  dense: Int32Array;
  sparse: [number, number][];
  size: number;
}

/** What one streaming pass over a ratings file learns. */
export interface RatingsIndex {
  users: IdIndex;
  items: IdIndex;
  /** Rows on each side of the split (all rows are train when no split). */
  trainRows: number;
  testRows: number;
  /** Mean, min and max of the training ratings. */
  mean: number;
  min: number;
  max: number;
}

/**
 * One streaming pass: collects the distinct user and movie ids (all rows, so a test row
 * never meets an unknown id) and counts and averages the training rows. Memory: the id
 * sets, never the ratings.
 * @example
 * const index = await indexRatings(readRatings(file, format), { fraction: 0.1, seed: 0 });
 */
export async function indexRatings(
  ds: Dataset<Rating>,
  split?: { fraction: number; seed: number },
  onProgress?: (info: { rows: number; done: boolean }) => void,
): Promise<RatingsIndex> {
  const users = new IdIndex();
  const items = new IdIndex();
  let trainRows = 0;
  let testRows = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let rows = 0;
  let reported = 0;
  for await (const chunk of ds.chunks()) {
    const { userId, movieId, rating, size } = columnsOf(chunk);
    rows += size;
    if (onProgress !== undefined && rows - reported >= 65_536) {
      reported = rows;
      onProgress({ rows, done: false });
    }
    for (let k = 0; k < size; k++) {
      const u = userId[k]!;
      const m = movieId[k]!;
      users.add(u);
      items.add(m);
      if (split !== undefined && split.fraction > 0 && isTestRow(u, m, split.fraction, split.seed)) {
        testRows++;
        continue;
      }
      const r = rating[k]!;
      trainRows++;
      sum += r;
      if (r < min) min = r;
      if (r > max) max = r;
    }
  }
  onProgress?.({ rows, done: true });
  return { users: users.freeze(), items: items.freeze(), trainRows, testRows, mean: trainRows > 0 ? sum / trainRows : 0, min, max };
}

export interface RatingColumns {
  size: number;
  userId: ArrayLike<number>;
  movieId: ArrayLike<number>;
  rating: ArrayLike<number>;
}

/** The three columns of a chunk (columnar, or an array of records from another source). */
export function columnsOf(chunk: unknown): RatingColumns {
  const c = chunk as { size?: number; columns?: Record<string, ArrayLike<number>> };
  if (c.columns !== undefined && typeof c.size === 'number') {
    return { size: c.size, userId: c.columns['userId']!, movieId: c.columns['movieId']!, rating: c.columns['rating']! };
  }
  const rows = chunk as readonly Rating[];
  return {
    size: rows.length,
    userId: rows.map((r) => r.userId),
    movieId: rows.map((r) => r.movieId),
    rating: rows.map((r) => r.rating),
  };
}
