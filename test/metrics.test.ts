import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorStats, mae, rmse } from '../src/metrics.js';

test('rmse and mae of known values; NaN when empty; batches add up to the whole', () => {
  assert.equal(rmse([3, 5], [4, 4]), 1);
  assert.equal(mae([3.5, 4], [4, 4]), 0.25);
  assert.ok(Number.isNaN(rmse([], [])));
  const whole = new ErrorStats().add([1, 2, 3, 4], [2, 2, 2, 2]);
  const parts = new ErrorStats().add([1, 2], [2, 2]).add([3, 4], [2, 2]);
  assert.equal(parts.rmse, whole.rmse);
  assert.equal(parts.rows, 4);
  assert.equal(new ErrorStats({ min: 1, max: 5 }).add([7], [5]).rmse, 0);
  assert.throws(() => new ErrorStats().add([1], [1, 2]), /1 predictions for 2 values/);
});
