import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkOptionNames, nearestName } from '../src/options.js';
import { OptionError } from '../src/errors.js';

test('checkOptionNames passes known names and undefined options', () => {
  checkOptionNames('s', { a: 1, b: undefined }, ['a', 'b']);
  checkOptionNames('s', undefined, ['a']);
});

test('checkOptionNames names the stage, the key and the nearest name', () => {
  assert.throws(() => checkOptionNames('batch', { sise: 3 }, ['size', 'dropLast']), (e: unknown) => e instanceof OptionError && e.message === "batch: unknown option 'sise' (did you mean 'size'?)");
  assert.throws(() => checkOptionNames('train', { epoch: 3 }, ['epochs', 'batch']), /did you mean 'epochs'/);
  assert.throws(() => checkOptionNames('train', { zzzzzz: 3 }, ['epochs', 'batch']), /unknown option 'zzzzzz' \(known: epochs, batch\)/);
  assert.throws(() => checkOptionNames('train', [1] as unknown as object, ['a']), /options must be an object/);
});

test('nearestName: typos, transpositions, prefixes; nothing for far names', () => {
  assert.equal(nearestName('lerningRate', ['learningRate', 'l2']), 'learningRate');
  assert.equal(nearestName('bacth', ['batch', 'dim']), 'batch');
  assert.equal(nearestName('shuffle-buf', ['shuffle', 'shuffle-buffer']), 'shuffle-buffer');
  assert.equal(nearestName('xyz', ['batch', 'dim']), undefined);
});
