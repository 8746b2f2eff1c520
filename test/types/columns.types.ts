// Type tests: column-wise stages keep the columns typed. Compiled by `npm run typecheck`.
import { csv, fromIterable } from '../../src/index.js';
import { toTfDataset } from '../../src/tf/index.js';
import { expectType } from './expect.js';

const ratings = csv('r.csv', { columns: { userId: 'int32', movieId: 'int32', rating: 'float32' } });

export async function mapColumnsTypes(): Promise<void> {
  const scaled = ratings.mapColumns((c, size) => {
    expectType<Int32Array>()(c.userId);
    expectType<Float32Array>()(c.rating);
    expectType<number>()(size);
    return { ...c, rating: c.rating.map((r) => r / 5), score: new Float64Array(size) };
  });
  for await (const b of scaled.shuffle(10).batch(4)) {
    expectType<Int32Array>()(b.columns.userId);
    // columns the function made keep their exact type (a fresh Float32Array owns an ArrayBuffer)
    expectType<Float32Array<ArrayBuffer>>()(b.columns.rating);
    expectType<Float64Array<ArrayBuffer>>()(b.columns.score);
  }
  for await (const row of scaled) expectType<number>()(row.score);
  // @ts-expect-error the column function sees the schema's columns only
  ratings.mapColumns((c) => ({ x: c.ratings }));
}

export async function selectRenameWithColumn(): Promise<void> {
  const ds = ratings
    .select('userId', 'rating')
    .rename({ userId: 'user' })
    .withColumn('liked', (c, size) => {
      const out = new Int32Array(size);
      for (let i = 0; i < size; i++) out[i] = c.rating[i]! >= 4 ? 1 : 0;
      return out;
    })
    .filterRows((c) => c.user.map((u) => (u % 2 === 0 ? 1 : 0)));
  for await (const b of ds.batch(8)) {
    expectType<Int32Array>()(b.columns.user);
    expectType<Float32Array>()(b.columns.rating);
    expectType<Int32Array<ArrayBuffer>>()(b.columns.liked);
    // @ts-expect-error renamed away
    void b.columns.userId;
    // @ts-expect-error not selected
    void b.columns.movieId;
  }
  toTfDataset(ds.batch(8), { xs: ['user'], ys: 'liked' });
  // @ts-expect-error renamed away
  toTfDataset(ds.batch(8), { xs: ['userId'], ys: 'liked' });
  // @ts-expect-error select names a column of the schema
  ratings.select('userID');
  // @ts-expect-error rename names a column of the schema
  ratings.rename({ user: 'u' });
}

export async function untypedRecords(): Promise<void> {
  const ds = fromIterable(() => [{ a: 1, b: 2 }]).mapColumns((c) => ({ sum: c.a.map((v, i) => v + c.b[i]!) }));
  for await (const b of ds.batch(2)) expectType<Int32Array<ArrayBuffer> | Float32Array<ArrayBuffer> | Float64Array<ArrayBuffer>>()(b.columns.sum);
}
