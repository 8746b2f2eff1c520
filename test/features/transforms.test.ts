// Feature transforms (normalize, bucketize, hash, lookup): exact values, fit determinism,
// JSON round trips, invariants (fast-check), typed outputs, options and stats checked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Bucketize, csv, HashBuckets, hashNumber, hashText, Lookup, Normalize, OptionError, StageError } from '../../src/index.js';
import { tempFiles } from '../helpers/temp-files.js';
import { columnar } from './helpers.js';

const { file } = tempFiles('sluice-features-');

test('normalize: mean and population std in one pass; exact output; JSON round trip', async () => {
  const ds = columnar({ id: Int32Array.from([1, 2, 3, 4, 5]), x: Float64Array.from([2, 4, 4, 4, 5]) }, 2);
  const norm = await Normalize.fit(ds, 'x');
  assert.deepEqual(norm.toJSON(), { kind: 'normalize', column: 'x', count: 5, mean: 3.8, std: Math.sqrt(0.96) });
  const rows = await norm.apply(ds).toArray();
  assert.deepEqual(rows.map((r) => r.x), [2, 4, 4, 4, 5].map((v) => Math.fround((v - 3.8) / Math.sqrt(0.96))));
  const [b] = await norm.apply(ds, { as: 'xn' }).batch(5).toArray();
  const xn: Float32Array = b!.columns.xn;
  const id: Int32Array = b!.columns.id;
  assert.equal(xn.length, 5);
  assert.equal(id[0], 1);
  const again = Normalize.fromJSON<'x'>(JSON.parse(JSON.stringify(norm)));
  assert.deepEqual(await again.apply(ds).toArray(), rows);
  assert.deepEqual(Normalize.fromJSON(JSON.stringify(norm)).toJSON(), norm.toJSON());
});

test('normalize (property): chunking does not change the stats; the output has mean 0 and std 1', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 60 }), fc.integer({ min: 1, max: 7 }), async (xs, chunk) => {
      const a = await Normalize.fit(columnar({ x: Float64Array.from(xs) }, chunk), 'x');
      const b = await Normalize.fit(columnar({ x: Float64Array.from(xs) }, 1000), 'x');
      const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
      assert.ok(Math.abs(a.stats.mean - mean) <= 1e-9 * (1 + Math.abs(mean)));
      assert.ok(Math.abs(a.stats.std - b.stats.std) <= 1e-9 * (1 + b.stats.std));
      if (a.stats.std > 1e-3) {
        const out = (await a.apply(columnar({ x: Float64Array.from(xs) }, chunk)).toArray()).map((r) => r.x);
        const m = out.reduce((s, v) => s + v, 0) / out.length;
        const sd = Math.sqrt(out.reduce((s, v) => s + (v - m) ** 2, 0) / out.length);
        assert.ok(Math.abs(m) < 1e-4 && Math.abs(sd - 1) < 1e-4, `mean ${m}, std ${sd}`);
      }
    }),
    { numRuns: 60 },
  );
});

test('bucketize: given boundaries, exact buckets (edges, NaN); fitted quartiles; JSON round trip', async () => {
  const ages = Bucketize.from('age', [18, 25, 35]);
  assert.deepEqual([-1, 17.9, 18, 24, 25, 35, 90, NaN].map((x) => ages.bucketOf(x)), [0, 0, 1, 1, 2, 3, 3, 0]);
  const ds = columnar({ age: Int32Array.from([12, 18, 30, 40, 60]) });
  const out = await ages.apply(ds).batch(5).toArray();
  const col: Int32Array = out[0]!.columns.age;
  assert.deepEqual([...col], [0, 1, 2, 3, 3]);
  const fitted = await Bucketize.fit(columnar({ v: Int32Array.from({ length: 100 }, (_, i) => 99 - i) }, 7), 'v', { buckets: 4 });
  assert.deepEqual(fitted.stats.boundaries, [25, 50, 75]);
  assert.equal(fitted.buckets, 4);
  assert.deepEqual(Bucketize.fromJSON(JSON.stringify(fitted)).toJSON(), fitted.toJSON());
  const few = await Bucketize.fit(columnar({ v: Int32Array.from([1, 1, 1, 1, 2]) }), 'v', { buckets: 4 });
  assert.deepEqual(few.stats.boundaries, [1], 'equal quantiles kept once (the 1/4, 2/4 and 3/4 quantiles are all 1)');
  assert.throws(() => Bucketize.from('age', [3, 3]), (e: unknown) => e instanceof OptionError && /strictly ascending/.test(e.message));
  await assert.rejects(Bucketize.fit(ds, 'age', { buckets: 1 }), (e: unknown) => e instanceof OptionError && /buckets must be an integer in \[2/.test(e.message));
  await assert.rejects(Bucketize.fit(ds, 'age', { buckets: 2, bukets: 3 } as never), (e: unknown) => e instanceof OptionError && /bukets/.test(e.message));
});

test('bucketize (property): fit is deterministic for a seed past the sample size; buckets are ordered like the values', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 80 }), fc.integer({ min: 2, max: 6 }), async (xs, k) => {
      const ds = columnar({ v: Int32Array.from(xs) }, 5);
      const a = await Bucketize.fit(ds, 'v', { buckets: k, sampleSize: 10, seed: 3 });
      const b = await Bucketize.fit(ds, 'v', { buckets: k, sampleSize: 10, seed: 3 });
      assert.deepEqual(a.stats.boundaries, b.stats.boundaries);
      const sorted = [...xs].sort((p, q) => p - q);
      const ids = sorted.map((x) => a.bucketOf(x));
      for (let i = 1; i < ids.length; i++) assert.ok(ids[i]! >= ids[i - 1]!);
      assert.ok(ids.every((id) => id >= 0 && id < a.buckets));
    }),
    { numRuns: 60 },
  );
});

test('hash: FNV-1a of the text, numbers as String(x); stable values; a category column hashes its words', async () => {
  // Reference values of 32-bit FNV-1a (offset basis 0x811c9dc5).
  assert.equal(hashText(''), 0x811c9dc5);
  assert.equal(hashText('a'), 0xe40c292c);
  assert.equal(hashText('foobar'), 0xbf9cf968);
  fc.assert(fc.property(fc.oneof(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), fc.double()), (x) => hashNumber(x) === hashText(String(x)) && hashNumber(x, 9) === hashText(String(x), 9)));
  const ds = columnar({ userId: Int32Array.from([42, -7, 0, 42]) });
  const h = HashBuckets.of('userId', { buckets: 10 });
  const rows = await h.apply(ds, { as: 'bucket' }).toArray();
  assert.deepEqual(rows.map((r) => r.bucket), ['42', '-7', '0', '42'].map((t) => hashText(t) % 10));
  assert.deepEqual(rows.map((r) => r.userId), [42, -7, 0, 42]);
  const f = file('tag\nsci-fi\n42\nsci-fi\n', 'tags.csv');
  const tags = csv(f, { columns: { tag: 'category' } });
  const byWord = HashBuckets.of('tag', { buckets: 10, vocabulary: tags.vocabularies.tag });
  assert.deepEqual((await byWord.apply(tags).toArray()).map((r) => r.tag), [hashText('sci-fi') % 10, hashText('42') % 10, hashText('sci-fi') % 10]);
  const loaded = HashBuckets.fromJSON<'userId'>(JSON.stringify(h));
  assert.deepEqual(await loaded.apply(ds).toArray(), await h.apply(ds).toArray());
  assert.throws(() => HashBuckets.of('userId', { buckets: 0 }), OptionError);
});

test('lookup: frequency order, ties lexicographic, capped, OOV buckets; the same ids in any row order', async () => {
  const f = file('occupation\nwriter\nartist\nwriter\nnurse\nartist\ndoctor\nwriter\n', 'users.csv');
  const users = csv(f, { columns: { occupation: 'category' } });
  const vocabulary = users.vocabularies.occupation;
  const lk = await Lookup.fit(users, 'occupation', { vocabulary, maxTokens: 3 });
  assert.deepEqual(lk.toJSON(), { kind: 'lookup', column: 'occupation', tokens: ['writer', 'artist', 'doctor'], numOov: 1 });
  assert.deepEqual((await lk.apply(users).toArray()).map((r) => r.occupation), [1, 2, 1, 0, 2, 3, 1]);
  const firstSeen = await Lookup.fit(users, 'occupation', { vocabulary, order: 'firstSeen' });
  assert.deepEqual(firstSeen.stats.tokens, ['writer', 'artist', 'nurse', 'doctor']);
  const loaded = Lookup.fromJSON<'occupation'>(JSON.stringify(lk), { vocabulary });
  assert.deepEqual(await loaded.apply(users).toArray(), await lk.apply(users).toArray());
  const strict = await Lookup.fit(users, 'occupation', { vocabulary, maxTokens: 1, numOov: 0 });
  await assert.rejects(strict.apply(users).toArray(), (e: unknown) => e instanceof StageError && /"artist" is not in the vocabulary/.test(e.message));
  const three = await Lookup.fit(users, 'occupation', { vocabulary, maxTokens: 0, numOov: 3 });
  assert.deepEqual((await three.apply(users).toArray()).map((r) => r.occupation), ['writer', 'artist', 'writer', 'nurse', 'artist', 'doctor', 'writer'].map((w) => hashText(w) % 3));
});

test('lookup (property): over numbers, ids are dense, deterministic and independent of row order', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 8 }), async (xs, max) => {
      const a = await Lookup.fit(columnar({ v: Int32Array.from(xs) }, 4), 'v', { maxTokens: max });
      const b = await Lookup.fit(columnar({ v: Int32Array.from([...xs].reverse()) }, 3), 'v', { maxTokens: max });
      assert.deepEqual(a.stats.tokens, b.stats.tokens);
      const counts = new Map<number, number>();
      for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
      const freq = a.stats.tokens.map((t) => counts.get(t as number)!);
      for (let i = 1; i < freq.length; i++) assert.ok(freq[i - 1]! >= freq[i]!);
      assert.equal(a.stats.tokens.length, Math.min(max, counts.size));
      const ids = (await a.apply(columnar({ v: Int32Array.from(xs) })).toArray()).map((r) => r.v);
      assert.ok(ids.every((id) => id >= 0 && id < a.size));
      xs.forEach((x, i) => assert.equal(ids[i], a.stats.tokens.includes(x) ? 1 + a.stats.tokens.indexOf(x) : 0));
    }),
    { numRuns: 80 },
  );
});

test('options and saved stats are checked; a misspelt column is an OptionError with the nearest name', async () => {
  const ds = columnar({ rating: Float32Array.from([1, 2]) });
  await assert.rejects(Normalize.fit(ds, 'ratin' as never), (e: unknown) => e instanceof OptionError && /did you mean 'rating'/.test(e.message));
  assert.throws(() => Normalize.fromJSON({ kind: 'bucketize', column: 'x' }), (e: unknown) => e instanceof OptionError && /not 'normalize'/.test(e.message));
  assert.throws(() => Normalize.fromJSON({ kind: 'normalize', column: 'x', count: 1, mean: 'a', std: 1 }), (e: unknown) => e instanceof OptionError && /mean must be a finite number/.test(e.message));
  assert.throws(() => Lookup.fromJSON({ kind: 'lookup', column: 'x', tokens: ['a', 'a'], numOov: 1 }), (e: unknown) => e instanceof OptionError && /distinct/.test(e.message));
  await assert.rejects(Lookup.fit(ds, 'rating', { order: 'random' as never }), OptionError);
  const norm = await Normalize.fit(ds, 'rating');
  assert.throws(() => norm.apply(ds, { ass: 'x' } as never), (e: unknown) => e instanceof OptionError && /ass/.test(e.message));
});
