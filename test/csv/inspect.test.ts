import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { detectDelimiter, detectHeader, inspect } from '../../src/csv/inspect.js';
import { movieLensRows, writeMovieLensFile } from '../helpers/movielens-file.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('inspect', () => {
  it('detects delimiter and header, types the columns and computes row count and stats', async () => {
    const rows = [...movieLensRows({ rows: 3000, seed: 9 })];
    const path = writeMovieLensFile(join(dir, 'ratings.csv'), { rows: 3000, seed: 9 });
    const r = await inspect(path);
    assert.equal(r.delimiter, ',');
    assert.equal(r.header, true);
    assert.equal(r.rows, 3000);
    assert.equal(r.badRows, 0);
    assert.equal(r.engine, 'fast');
    assert.deepEqual(r.columns.map((c) => [c.name, c.dtype]), [['userId', 'int32'], ['movieId', 'int32'], ['rating', 'float64'], ['timestamp', 'int32']]);
    const ratings = rows.map((x) => x.rating);
    const rating = r.columns[2]!;
    assert.equal(rating.min, Math.min(...ratings));
    assert.equal(rating.max, Math.max(...ratings));
    assert.ok(Math.abs(rating.mean! - ratings.reduce((a, b) => a + b, 0) / ratings.length) < 1e-9);
  });

  it('reads u.data (tab, no header) and ratings.dat (::) and a gzip file', async () => {
    const u = await inspect(writeMovieLensFile(join(dir, 'u.data'), { rows: 100, delimiter: '\t', integerRatings: true }));
    assert.equal(u.delimiter, '\t');
    assert.equal(u.header, false);
    assert.deepEqual(u.columns.map((c) => c.name), ['0', '1', '2', '3']);
    const dat = await inspect(writeMovieLensFile(join(dir, 'ratings.dat'), { rows: 100, delimiter: '::', integerRatings: true }));
    assert.equal(dat.delimiter, '::');
    assert.equal(dat.rows, 100);
    const gz = await inspect(writeMovieLensFile(join(dir, 'r.csv.gz'), { rows: 100, gzip: true }));
    assert.equal(gz.rows, 100);
    assert.equal(gz.header, true);
  });

  it('handles quoted text columns and counts bad rows', async () => {
    const path = join(dir, 'movies.csv');
    writeFileSync(path, 'movieId,title,genres\n1,"Toy Story (1995)",Comedy\n2,"Jumanji, The",Adventure\nx,y\n3,"A\nB",Drama\n');
    const r = await inspect(path);
    assert.equal(r.delimiter, ',');
    assert.equal(r.header, true);
    assert.equal(r.rows, 3);
    assert.equal(r.badRows, 1);
    assert.deepEqual(r.columns.map((c) => c.dtype), ['int32', 'string', 'string']);
    assert.deepEqual([r.columns[0]!.min, r.columns[0]!.max, r.columns[0]!.mean], [1, 3, 2]);
  });

  it('detection helpers', () => {
    assert.equal(detectDelimiter('a;b;c\n1;2;3\n'), ';');
    assert.equal(detectDelimiter('1|2\n3|4\n'), '|');
    assert.equal(detectDelimiter('single\ncolumn\n'), ',');
    assert.equal(detectHeader('a,b\n1,2\n', ','), true);
    assert.equal(detectHeader('1,2\n3,4\n', ','), false);
    assert.equal(detectHeader('name,city\nann,paris\n', ','), true);
  });
});
