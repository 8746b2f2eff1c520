import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromIterable, range } from '../../src/index.js';

test('arrays, sync generators (via factory) and async generators', async () => {
  assert.deepEqual(await fromIterable([1, 2, 3]).toArray(), [1, 2, 3]);
  assert.equal(fromIterable([1, 2, 3]).size, 3);
  function* gen() {
    yield* [4, 5];
  }
  const ds = fromIterable(gen);
  assert.deepEqual([await ds.toArray(), await ds.toArray()], [[4, 5], [4, 5]]);
  async function* agen() {
    for (let i = 0; i < 10_000; i++) yield i;
  }
  assert.equal(await fromIterable(agen).count(), 10_000);
});

test('a one-shot iterator used twice says how to make it re-iterable', async () => {
  const ds = fromIterable([1, 2][Symbol.iterator]());
  assert.deepEqual(await ds.toArray(), [1, 2]);
  await assert.rejects(ds.toArray(), /already consumed.*factory/);
});

test('a slow async source is not held back waiting for a full chunk', { timeout: 20_000 }, async () => {
  // The second element waits for the test to release it: the first must arrive before that.
  let release: (() => void) | undefined;
  let produced = 0;
  async function* slow() {
    produced++;
    yield 1;
    await new Promise<void>((r) => (release = r));
    produced++;
    yield 2;
  }
  const it = fromIterable(slow)[Symbol.asyncIterator]();
  assert.deepEqual(await it.next(), { done: false, value: 1 });
  assert.equal(produced, 1, 'the first element arrives before the second is produced');
  release?.();
  assert.deepEqual(await it.next(), { done: false, value: 2 });
  await it.return?.();
});

test('break closes the generator', async () => {
  let closed = false;
  function* gen() {
    try {
      for (let i = 0; ; i++) yield i;
    } finally {
      closed = true;
    }
  }
  for await (const _ of fromIterable(gen)) break;
  assert.ok(closed);
});

test('range: sizes and steps', async () => {
  assert.deepEqual(await range(2, 11, 3).toArray(), [2, 5, 8]);
  assert.deepEqual(await range(3, 0, -1).toArray(), [3, 2, 1]);
  assert.equal(range(10_000_000).size, 10_000_000);
  assert.throws(() => range(1, 2, 0), /step must not be 0/);
});
