// Column mapping: a ratings file whose header is not MovieLens's (uid,iid,score,ts), or
// one without a header whose columns are in another order, read by role.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OptionError } from '../../../src/index.js';
import { detectFormat, parseColumnMapping } from '../../../pipelines/movielens/format.js';
import { readRatings } from '../../../pipelines/movielens/read.js';
import { indexRatings } from '../../../pipelines/movielens/ids.js';
import { trainRecommender } from '../../../pipelines/movielens/train.js';
import { generateRatings } from '../../../pipelines/synthetic/generate.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-columns-'));
const write = (name: string, text: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};
const rows = (ds: ReturnType<typeof readRatings>) => ds.toArray().then((a) => a.map((r) => [r.userId, r.movieId, r.rating]));

test('a header with other names is read by role: by name, or by 0-based index', async () => {
  const f = write('custom.csv', 'ts,score,iid,uid\n100,4.5,31,7\n101,2,1029,7\n102,5,2,9\n');
  const byName = await detectFormat(f, { columns: { user: 'uid', item: 'iid', rating: 'score' } });
  assert.deepEqual(byName, { delimiter: ',', header: true, columns: { user: 'uid', item: 'iid', rating: 'score' } });
  assert.deepEqual(await rows(readRatings(f, byName)), [[7, 31, 4.5], [7, 1029, 2], [9, 2, 5]]);
  const byIndex = await detectFormat(f, { columns: { user: 3, item: '2', rating: 1 } });
  assert.deepEqual(byIndex.columns, { user: 'uid', item: 'iid', rating: 'score' });
  const index = await indexRatings(readRatings(f, byIndex));
  assert.deepEqual([index.users.size, index.items.size, index.trainRows, index.mean], [2, 3, 3, 3.8333333333333335]);
});

test('a file without a header: roles by 0-based index (a name is refused, saying there is no header)', async () => {
  const f = write('u.data', '100\t31\t7\t4.5\n101\t1029\t7\t2\n');
  const format = await detectFormat(f, { columns: { user: 2, item: 1, rating: 3 } });
  assert.deepEqual(format, { delimiter: '\t', header: false, columns: { user: '2', item: '1', rating: '3' } });
  assert.deepEqual(await rows(readRatings(f, format)), [[7, 31, 4.5], [7, 1029, 2]]);
  await assert.rejects(detectFormat(f, { columns: { user: 'uid' } }), (e: unknown) => {
    assert.ok(e instanceof OptionError);
    assert.match(e.message, /u\.data has no header line.*0-based column indexes.*4 fields/);
    return true;
  });
  await assert.rejects(detectFormat(f, { columns: { user: 4 } }), /column 4 is past the 4 fields/);
});

test('an unknown name is a clear error listing the file\'s header (with a did-you-mean)', async () => {
  const f = write('h.csv', 'uid,iid,score,ts\n1,2,3,4\n');
  await assert.rejects(detectFormat(f, { columns: { user: 'uidd', item: 'iid', rating: 'score' } }), (e: unknown) => {
    assert.ok(e instanceof OptionError);
    assert.match(e.message, /columns: user='uidd' is not a column of .*h\.csv \(its header: uid, iid, score, ts\); did you mean 'uid'\?/);
    return true;
  });
  // Without a mapping, a header that lacks MovieLens's names says how to map them.
  await assert.rejects(detectFormat(f), /h\.csv: its header \(uid, iid, score, ts\) has no userId.*--columns user=…,item=…,rating=…/);
  await assert.rejects(detectFormat(f, { columns: { user: 'uid', item: 'uid', rating: 'score' } }), /user and item are both column 'uid'/);
});

test('parseColumnMapping: role=name pairs; unknown roles with a did-you-mean', () => {
  assert.deepEqual(parseColumnMapping('user=uid,item=iid,rating=score'), { user: 'uid', item: 'iid', rating: 'score' });
  assert.deepEqual(parseColumnMapping('rating=2'), { rating: '2' });
  assert.throws(() => parseColumnMapping('usr=uid'), /--columns: unknown role 'usr' \(did you mean 'user'\?\); roles are user, item, rating/);
  assert.throws(() => parseColumnMapping('user'), /--columns: expected role=column/);
  assert.throws(() => parseColumnMapping('user=a,user=b'), /--columns: user is given twice/);
});

test('trainRecommender({ columns }) trains on a uid,iid,score,ts file as on the MovieLens-named one', async () => {
  const ml = path.join(dir, 'ml.csv');
  await generateRatings(ml, { rows: 6000, seed: 3 });
  const lines = fs.readFileSync(ml, 'utf8').trimEnd().split('\n').slice(1);
  const custom = write('custom-train.csv', 'uid,iid,score,ts\n' + lines.join('\n') + '\n');
  const common = { epochs: 1, dim: 4, batch: 256, backend: 'cpu', loader: 'main' } as const;
  const a = await trainRecommender(ml, common);
  const b = await trainRecommender(custom, { ...common, columns: { user: 'uid', item: 'iid', rating: 'score' } });
  assert.deepEqual([b.rows, b.testRows, b.users, b.items], [a.rows, a.testRows, a.users, a.items]);
  assert.equal(b.testRmse, a.testRmse);
  await assert.rejects(trainRecommender(custom, common), /has no userId/);
});
