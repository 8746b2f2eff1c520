import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isTestRow } from '../../../pipelines/movielens/split.js';

test('the split is a pure function of (user, movie, seed)', () => {
  fc.assert(fc.property(fc.nat(1e6), fc.nat(1e6), fc.integer(), (u, m, s) => isTestRow(u, m, 0.1, s) === isTestRow(u, m, 0.1, s)));
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
