// The fast engine keeps fast-csv (the general engine's row parser) for quoted rows only: a
// file of plain rows never loads it (~10 ms of a first epoch, and of each csvParallel
// worker's). Counted in this process's module cache; its own process, as node --test runs it.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { csv } from '../../src/csv/reader.js';
import { ratingsText } from '../helpers/ratings-text.js';
import { tempFiles } from '../helpers/temp-files.js';

const { file } = tempFiles('sluice-lazy-fast-csv-');
const columns = { userId: 'int32', movieId: 'int32', rating: 'float32' } as const;
const loaded = (): boolean => Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes('@fast-csv') && p.endsWith('Parser.js'));

test('the fast engine reads plain rows without loading fast-csv, and loads it for the first quoted row', async () => {
  assert.equal(loaded(), false, 'loaded before any read');
  const plain = ratingsText(5000);
  assert.equal(await csv(file(plain), { columns, engine: 'fast' }).count(), 5000);
  assert.equal(loaded(), false, 'a plain file loaded fast-csv');
  // The same rows with one quoted field in the middle: read by fast-csv, same values.
  const lines = plain.split('\n');
  lines[2500] = lines[2500]!.replace(/^(\d+),/, '"$1",');
  const rows = await csv(file(lines.join('\n')), { columns, engine: 'auto' }).take(2600).toArray();
  assert.equal(loaded(), true);
  assert.equal(rows.length, 2600);
  assert.equal(rows[2499]!.userId, 2499);
});
