import assert from 'node:assert/strict';
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { DataError } from '../../../src/index.js';
import { detectFormat, parseDelimiter } from '../../../pipelines/movielens/format.js';
import { readRatings } from '../../../pipelines/movielens/read.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));
const write = (name: string, text: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};
const rows = (ds: ReturnType<typeof readRatings>) => ds.toArray().then((a) => a.map((r) => [r.userId, r.movieId, r.rating]));

test('the three MovieLens layouts are detected and read', async () => {
  const csvFile = write('ratings.csv', 'userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3.0,1260759179\n7,2,5,1\n');
  const tsv = write('u1.base', '196\t242\t3\t881250949\r\n186\t302\t3\t891717742\r\n');
  const dat = write('ratings.dat', '1::1193::5::978300760\n1::661::3::978302109');
  assert.deepEqual(await detectFormat(csvFile), { delimiter: ',', header: true });
  assert.deepEqual(await detectFormat(tsv), { delimiter: '\t', header: false });
  assert.deepEqual(await detectFormat(dat), { delimiter: '::', header: false });
  assert.deepEqual(await rows(readRatings(csvFile, await detectFormat(csvFile))), [[1, 31, 2.5], [1, 1029, 3], [7, 2, 5]]);
  assert.deepEqual(await rows(readRatings(tsv, await detectFormat(tsv))), [[196, 242, 3], [186, 302, 3]]);
  assert.deepEqual(await rows(readRatings(dat, await detectFormat(dat))), [[1, 1193, 5], [1, 661, 3]]);
});

test('--delimiter accepts a real tab, backslash-t and ::', () => {
  assert.equal(parseDelimiter('\t'), '\t');
  assert.equal(parseDelimiter('\\t'), '\t');
  assert.equal(parseDelimiter('::'), '::');
  assert.throws(() => parseDelimiter(';'), /--delimiter/);
});

test('a bad row is a DataError naming file, line and text', async () => {
  const f = write('bad.csv', 'userId,movieId,rating\n1,2,3\n1,x,4\n');
  await assert.rejects(readRatings(f, { delimiter: ',', header: true }).toArray(), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.equal(e.line, 3);
    assert.equal(e.raw, '1,x,4');
    assert.equal(e.file, f);
    return true;
  });
});

test('any block split gives the same rows (rows straddling the 1 MiB reads included)', async () => {
  // Long enough to cross several read blocks; every field width varies.
  let text = 'userId,movieId,rating,timestamp\n';
  const expected: number[][] = [];
  for (let i = 0; i < 120_000; i++) {
    const r = [1 + (i % 977), 1 + ((i * 7919) % 209171), ((i % 10) + 1) / 2];
    expected.push(r);
    text += `${r[0]},${r[1]},${r[2]},${1000000000 + i}\n`;
  }
  const f = write('big.csv', text);
  assert.deepEqual(await rows(readRatings(f, { delimiter: ',', header: true })), expected);
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.nat(1e6), fc.nat(3e5), fc.integer({ min: 1, max: 10 })), { maxLength: 30 }), async (rs) => {
      const g = write('p.dat', rs.map(([u, m, r]) => `${u}::${m}::${r / 2}::0`).join('\n'));
      assert.deepEqual(await rows(readRatings(g, { delimiter: '::', header: false })), rs.map(([u, m, r]) => [u, m, r / 2]));
    }),
    { numRuns: 50 },
  );
});
