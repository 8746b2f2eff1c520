import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTestRow, pairHash } from '../../../pipelines/movielens/split.js';

test('the split is pinned: the same hashes on every machine and in every version', () => {
  // A checkpoint evaluated later (or elsewhere) must see the same test rows: a change of the
  // hash silently moves rows between train and test, so it fails here first.
  const pinned: [number, number, number, number][] = [
    [1, 31, 0, 1470852109],
    [1, 31, 7, 2083905485],
    [2, 31, 7, 412626765],
    [1, 32, 7, 377603001],
    [138493, 209171, 42, 2412229943],
  ];
  for (const [u, m, seed, hash] of pinned) assert.equal(pairHash(u, m, seed), hash, `pairHash(${u}, ${m}, ${seed})`);
  assert.equal(isTestRow(1, 31, 0.5, 7), 2083905485 < 0.5 * 2 ** 32);
  assert.equal(isTestRow(1, 31, 0, 7), false, 'fraction 0: no test row');
  assert.equal(isTestRow(1, 31, 1, 7), true, 'fraction 1: every row');
});

test('about `fraction` of the rows are test rows, and a larger fraction keeps the smaller one\'s test rows', () => {
  let n10 = 0;
  let n20 = 0;
  for (let u = 1; u <= 300; u++) {
    for (let m = 1; m <= 300; m++) {
      const a = isTestRow(u, m, 0.1, 7);
      const b = isTestRow(u, m, 0.2, 7);
      if (a) n10++;
      if (b) n20++;
      if (a) assert.ok(b);
    }
  }
  assert.ok(Math.abs(n10 / 90_000 - 0.1) < 0.005, String(n10));
  assert.ok(Math.abs(n20 / 90_000 - 0.2) < 0.005, String(n20));
});

test('another seed draws an independent split; the split is per rating, not per user or per movie', () => {
  let both = 0;
  const perUser = new Int32Array(301);
  const perMovie = new Int32Array(301);
  for (let u = 1; u <= 300; u++) {
    for (let m = 1; m <= 300; m++) {
      const a = isTestRow(u, m, 0.1, 7);
      if (a && isTestRow(u, m, 0.1, 8)) both++;
      if (a) perUser[u]!++, perMovie[m]!++;
    }
  }
  // Independent 10% splits share ~1% of the rows (900 of 90,000; binomial sd ≈ 30).
  assert.ok(both > 750 && both < 1050, `seeds 7 and 8 share ${both} test rows`);
  // Each user's (movie's) 300 ratings split ~30 / 270 (sd ≈ 5.2): never all or nothing.
  for (const counts of [perUser, perMovie]) {
    const c = Array.from(counts.subarray(1));
    assert.ok(Math.min(...c) >= 10 && Math.max(...c) <= 55, `per-key test rows range ${Math.min(...c)}..${Math.max(...c)}`);
  }
});
