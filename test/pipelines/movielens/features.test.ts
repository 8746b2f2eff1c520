// The worked example (pipelines/movielens/features.ts) on synthetic ml-100k and ml-latest
// layout: every feature of a batch checked against the side tables (training: features.slow.test.ts).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AGE_BOUNDARIES, movieLensFeatures } from '../../../pipelines/movielens/features.js';
import { generateRatings, generateSideTables, ML100K_GENRES } from '../../../pipelines/synthetic/index.js';
import { tempFiles } from '../../helpers/temp-files.js';

const { dir } = tempFiles('sluice-features-ml-');

test('ml-100k layout: each row carries its user\'s occupation id and age bucket and its movie\'s genres multi-hot', async () => {
  const files = { ratings: join(dir, 'u.data'), users: join(dir, 'u.user'), items: join(dir, 'u.item') };
  await generateRatings(files.ratings, { rows: 6000, users: 120, items: 200, seed: 3, format: 'tsv' });
  await generateSideTables(files.ratings, { format: 'ml-100k', users: files.users, items: files.items, seed: 4 });
  const users = new Map(readFileSync(files.users, 'utf8').trim().split('\n').map((l) => l.split('|')).map((f) => [Number(f[0]), { age: Number(f[1]), occupation: f[3]! }]));
  const items = new Map(readFileSync(files.items, 'utf8').trim().split('\n').map((l) => l.split('|')).map((f) => [Number(f[0]), ML100K_GENRES.filter((_, k) => f[5 + k] === '1')]));
  const { batches, fitted } = await movieLensFeatures(files, { batchSize: 500, shuffle: 1000, seed: 1 });
  assert.equal(fitted.genres.width, fitted.genres.stats.tokens.length + 2);
  let rows = 0;
  for await (const b of batches) {
    const { userId, movieId, occupation, age, genres } = b.columns;
    assert.equal(genres.length, b.size * fitted.genres.width);
    assert.equal(b.widths.genres, fitted.genres.width);
    for (let i = 0; i < b.size; i++) {
      const user = fitted.userId.stats.tokens[userId[i]! - 1] as number;
      const movie = fitted.movieId.stats.tokens[movieId[i]! - 1] as number;
      const u = users.get(user)!;
      assert.equal(occupation[i], fitted.occupation.idOf(u.occupation));
      assert.equal(age[i], AGE_BOUNDARIES.filter((x) => x <= u.age).length);
      const hot = [...genres.subarray(i * fitted.genres.width, (i + 1) * fitted.genres.width)].flatMap((v, k) => (v === 1 ? [fitted.genres.stats.tokens[k - 2]] : []));
      assert.deepEqual(hot.sort(), [...items.get(movie)!].sort());
    }
    rows += b.size;
  }
  assert.equal(rows, 6000);
});

test('the item table\'s layout is told by its content, not its name; an unknown table is a FormatError naming it', async () => {
  const files = { ratings: join(dir, 'named-u.data'), users: join(dir, 'named-u.user'), items: join(dir, 'items-under-another-name.txt') };
  await generateRatings(files.ratings, { rows: 800, users: 30, items: 40, seed: 5, format: 'tsv' });
  await generateSideTables(files.ratings, { format: 'ml-100k', users: files.users, items: files.items, seed: 6 });
  const { fitted } = await movieLensFeatures(files, { batchSize: 100, shuffle: 100, seed: 1 });
  assert.ok(fitted.genres.stats.tokens.length > 1, 'u.item genre flags read under another file name');
  const bad = join(dir, 'not-items.csv');
  writeFileSync(bad, 'a,b\n1,2\n');
  await assert.rejects(movieLensFeatures({ ...files, items: bad }), (e: Error) => e.name === 'FormatError' && e.message.includes(bad) && e.message.includes('u.item'));
});
