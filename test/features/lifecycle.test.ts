// The lifecycle contract through the feature transforms (a sibling of
// test/stages/contract-lifecycle.slow.test.ts): their stages over csv, return() while a next() is
// in flight, .prefetch(1) aborted mid-stream, early breaks counting fds and handles; and a
// fit aborted, or failing, mid-pass, closing the file it reads.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AbortError, Bucketize, csv, type Dataset, HashBuckets, Lookup, MultiValued, Normalize, StageError } from '../../src/index.js';
import { lifecycleContract } from '../helpers/contract.js';
import { resources, settledGain } from '../helpers/resources.js';
import { tempFiles } from '../helpers/temp-files.js';

const { file } = tempFiles('sluice-features-life-');
const rows = 20_000;
let text = 'userId,age,occupation,genres\n';
for (let i = 0; i < rows; i++) text += `${i % 97},${18 + (i % 50)},job${i % 7},${['A', 'B', 'A|B', 'C|A'][i % 4]}\n`;
const f = file(text, 'users.csv');
const open = () => csv(f, { columns: { userId: 'int32', age: 'int32', occupation: 'category', genres: 'category' } });
const users = open();

const norm = await Normalize.fit(users, 'age');
const buckets = Bucketize.from('age', [25, 35, 45]);
const occupation = await Lookup.fit(users, 'occupation', { vocabulary: users.vocabularies.occupation });
const genres = await MultiValued.fit(users, 'genres', { vocabulary: users.vocabularies.genres });
const subjects: Record<string, () => Dataset<unknown, unknown>> = {
  normalize: () => norm.apply(open()) as Dataset<unknown, unknown>,
  bucketize: () => buckets.apply(open()) as Dataset<unknown, unknown>,
  hash: () => HashBuckets.of('userId', { buckets: 8 }).apply(open()) as Dataset<unknown, unknown>,
  lookup: () => occupation.apply(users) as Dataset<unknown, unknown>,
  'multiValued (multi-hot)': () => genres.multiHot(users.batch(256)) as Dataset<unknown, unknown>,
};

describe('lifecycle contract through the feature transforms', () => {
  for (const [name, make] of Object.entries(subjects)) {
    lifecycleContract(name, make, 10);
  }

  test('fit aborted mid-pass rejects with AbortError and closes the file; a failing pass closes it too', async () => {
    const start = resources();
    const ac = new AbortController();
    const reason = new Error('enough');
    let chunks = 0;
    const counted = open().mapColumns((c) => {
      if (++chunks === 2) ac.abort(reason);
      return c;
    });
    await assert.rejects(Normalize.fit(counted, 'age', { signal: ac.signal }), (e: unknown) => e instanceof AbortError && e.cause === reason);
    assert.ok(chunks < rows / 4096 + 1, 'the pass stopped early');
    const failing = open().mapColumns((c, _size, index) => {
      if (index > 0) throw new Error('bad chunk');
      return c;
    });
    await assert.rejects(Lookup.fit(failing, 'occupation', { vocabulary: users.vocabularies.occupation }), (e: unknown) => e instanceof StageError && /bad chunk/.test(String(e.cause)));
    assert.deepEqual(await settledGain(start), { fds: 0, threads: 0, handles: 0 });
  });
});
