// Type tests: the dtypes chosen in `columns` flow into element and batch types.
// Compiled by `npm run typecheck` (tsconfig includes test/); never run.
import { arrow, csv, type ColumnBatch, csvParallel, Dataset, parquet, range, shuffledCsv, type Vocabulary } from '../../src/index.js';
import { toTfDataset } from '../../src/tf/index.js';
import { expectType } from './expect.js';

const columns = { userId: 'int32', movieId: 'int32', rating: 'float32', ts: 'float64' } as const;

export async function csvBatches(): Promise<void> {
  const ds = csv('r.csv', { columns }).shuffle(10).take(5).batch(1024).prefetch(2);
  for await (const b of ds) {
    expectType<Int32Array>()(b.columns.userId);
    expectType<Float32Array>()(b.columns.rating);
    expectType<Float64Array>()(b.columns.ts);
    const u: Int32Array = b.columns.movieId;
    void u;
    // @ts-expect-error not a column of this csv
    void b.columns.userID;
  }
}

export async function inlineColumns(): Promise<void> {
  for await (const b of csv('r.csv', { columns: { userId: 'int32', rating: 'float32' } }).batch(8)) {
    expectType<Int32Array>()(b.columns.userId);
    expectType<Float32Array>()(b.columns.rating);
  }
  for await (const row of csv('r.csv', { columns: { userId: 'int32', title: 'string' } })) {
    expectType<number>()(row.userId);
    expectType<string>()(row.title);
  }
}

export async function otherSources(): Promise<void> {
  for await (const b of arrow('r.arrow', { columns: { userId: 'int32', rating: 'float32' } }).batch(8)) {
    expectType<Int32Array>()(b.columns.userId);
    expectType<Float32Array>()(b.columns.rating);
  }
  for await (const b of parquet('r.parquet', { columns: { userId: 'int32', rating: 'float64' } }).batch(8)) expectType<Float64Array>()(b.columns.rating);
  for await (const b of csvParallel('r.csv', { columns: { userId: 'int32' } }).batch(8)) expectType<Int32Array>()(b.columns.userId);
  for await (const b of shuffledCsv('r.csv', { columns: { rating: 'float32' } }).batch(8)) expectType<Float32Array>()(b.columns.rating);
}

export function chunksAreTyped(): void {
  const ds = csv('r.csv', { columns });
  void (async () => {
    for await (const c of ds.chunks()) {
      if (Array.isArray(c)) continue;
      if (!('columns' in c)) continue;
      expectType<Int32Array>()(c.columns.userId);
    }
  })();
}

export function untypedStaysHonest(): void {
  // map builds records: no dtype is known, so the columns are any NumericArray.
  const mapped = csv('r.csv', { columns }).map((r) => ({ ...r, rating: r.rating / 5 })).batch(8);
  void (async () => {
    for await (const b of mapped) {
      expectType<Int32Array | Float32Array | Float64Array>()(b.columns.rating);
    }
  })();
  expectType<Dataset<number[]>>()(range(10).batch(3));
}

export function tfColumnNames(): void {
  const batches = csv('r.csv', { columns }).batch(1024);
  toTfDataset(batches, { xs: ['userId', 'movieId'], ys: 'rating' });
  toTfDataset(batches, { xs: { user: 'userId', item: 'movieId' }, ys: ['rating'], dtype: { rating: 'float32' } });
  // @ts-expect-error misspelt column in xs
  toTfDataset(batches, { xs: ['userId', 'movieID'], ys: 'rating' });
  // @ts-expect-error misspelt column in ys
  toTfDataset(batches, { xs: ['userId'], ys: 'ratings' });
  // @ts-expect-error misspelt column in a map of inputs
  toTfDataset(batches, { xs: { user: 'user' }, ys: 'rating' });
  const b: ColumnBatch<{ a: number }> = { size: 1, columns: { a: new Float64Array(1) } };
  void b;
}

export function categoryVocabularies(): void {
  const users = csv('u.user', { delimiter: '|', columns: { userId: 'int32', occupation: 'category' } });
  expectType<Vocabulary>()(users.vocabularies.occupation); // a declared category column: always there
  // @ts-expect-error userId is not a category column: it has no vocabulary
  void users.vocabularies.userId;
  // @ts-expect-error misspelt category column
  void users.vocabularies.ocupation;
}
