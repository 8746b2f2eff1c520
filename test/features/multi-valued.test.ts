// Multi-valued fields: tokens learnt in one pass (each combination split once), multi-hot and
// padded id lists with exact values, JSON round trip, the fast engine's ids, toTfDataset shapes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { csv, MultiValued, OptionError, Vocabulary } from '../../src/index.js';
import { tempFiles } from '../helpers/temp-files.js';

const { file } = tempFiles('sluice-multi-');
const movies = 'movieId,title,genres\n1,"Toy Story (1995)",Adventure|Animation|Comedy\n2,"Heat, (1995)",Action|Crime\n3,X,Comedy\n4,Y,Adventure|Comedy\n5,Z,(no genres listed)\n';

test('fit: tokens by frequency, ties lexicographic; multi-hot rows exact; padded lists exact', async () => {
  const ds = csv(file(movies, 'movies.csv'), { columns: { movieId: 'int32', genres: 'category' } });
  const vocabulary = ds.vocabularies.genres;
  const g = await MultiValued.fit(ds, 'genres', { vocabulary });
  assert.deepEqual(g.stats.tokens, ['Comedy', 'Adventure', '(no genres listed)', 'Action', 'Animation', 'Crime']);
  assert.equal(g.width, 8);
  const [b] = await g.multiHot(ds.batch(5)).toArray();
  const hot: Float32Array = b!.columns.genres;
  assert.equal(b!.widths.genres, 8);
  assert.equal(hot.length, 5 * 8);
  const rows = Array.from({ length: 5 }, (_, r) => [...hot.subarray(r * 8, r * 8 + 8)]);
  assert.deepEqual(rows, [
    [0, 0, 1, 1, 0, 0, 1, 0],
    [0, 0, 0, 0, 0, 1, 0, 1],
    [0, 0, 1, 0, 0, 0, 0, 0],
    [0, 0, 1, 1, 0, 0, 0, 0],
    [0, 0, 0, 0, 1, 0, 0, 0],
  ]);
  const ids: Int32Array = b!.columns.movieId;
  assert.deepEqual([...ids], [1, 2, 3, 4, 5]);
  const [p] = await g.padded(ds.batch(5), { maxLen: 2, as: 'genreIds' }).toArray();
  const padded: Int32Array = p!.columns.genreIds;
  assert.deepEqual([...padded], [3, 6, 5, 7, 2, 0, 3, 2, 4, 0]);
  assert.ok(p!.columns.genres instanceof Int32Array, 'the input column is kept when written under another name');
});

test('capped tokens: the rest is OOV (id 1); JSON round trip with the vocabulary saved on its own', async () => {
  const ds = csv(file(movies, 'movies2.csv'), { columns: { movieId: 'int32', genres: 'category' } });
  const g = await MultiValued.fit(ds, 'genres', { vocabulary: ds.vocabularies.genres, maxTokens: 2 });
  assert.deepEqual(g.stats.tokens, ['Comedy', 'Adventure']);
  const words = JSON.parse(JSON.stringify(ds.vocabularies.genres)) as string[];
  const loaded = MultiValued.fromJSON<'genres'>(JSON.stringify(g), { vocabulary: Vocabulary.from(words) });
  assert.deepEqual([...loaded.tokenIds(0)], [3, 1, 2]);
  assert.deepEqual([...loaded.tokenIds(1)], [1, 1]);
  const again = csv(file(movies, 'movies3.csv'), { columns: { movieId: 'int32', genres: 'category' }, vocabularies: { genres: Vocabulary.from(words) } });
  const [a] = await loaded.padded(again.batch(5), { maxLen: 3 }).toArray();
  assert.deepEqual([...a!.columns.genres], [3, 1, 2, 1, 1, 0, 2, 0, 0, 3, 2, 0, 1, 0, 0]);
  assert.throws(() => MultiValued.fromJSON({ kind: 'multiValued', column: 'genres', separator: '', tokens: [] }, { vocabulary: new Vocabulary() }), OptionError);
});

test('combinations met after fit (a vocabulary that grows) are split when first met', async () => {
  const vocabulary = Vocabulary.from(['A|B']);
  const g = MultiValued.fromJSON<'g'>({ kind: 'multiValued', column: 'g', separator: '|', tokens: ['A', 'B', 'C'] }, { vocabulary });
  assert.deepEqual([...g.tokenIds(0)], [2, 3]);
  vocabulary.idOf('C|A|Z');
  assert.deepEqual([...g.tokenIds(1)], [4, 2, 1]);
  assert.throws(() => g.tokenIds(2), RangeError);
});

test('multi-hot (property): a row has a 1 exactly at the ids of its tokens', () => {
  fc.assert(
    fc.property(fc.array(fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 20 }), (fields) => {
      const vocabulary = new Vocabulary();
      const ids = fields.map((f) => vocabulary.idOf(f.join('|')));
      const g = MultiValued.fromJSON<'g'>({ kind: 'multiValued', column: 'g', separator: '|', tokens: ['a', 'b', 'c'] }, { vocabulary });
      ids.forEach((id, r) => {
        const want = new Set(fields[r]!.map((t) => (t === 'd' ? 1 : 2 + ['a', 'b', 'c'].indexOf(t))));
        assert.deepEqual(new Set(g.tokenIds(id)), want);
      });
    }),
    { numRuns: 100 },
  );
});
