import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Dataset, fromIterable, range } from '../../src/index.js';
import { tracked } from '../helpers/sources.js';

test('take stops reading the upstream once it has its elements', async () => {
  const { ds, tracker } = tracked(10_000, { chunkSize: 10 });
  assert.deepEqual(await ds.take(25).toArray(), Array.from({ length: 25 }, (_, i) => i));
  assert.equal(tracker.pulled, 30);
  assert.equal(tracker.closed, 1);
});

test('sizes are carried through the chain where they are known', () => {
  const ds = range(1000);
  assert.equal(ds.map((x) => x).shuffle(10).size, 1000);
  assert.equal(ds.take(10).size, 10);
  assert.equal(ds.skip(990).size, 10);
  assert.equal(ds.repeat(3).size, 3000);
  assert.equal(ds.repeat().size, undefined);
  assert.equal(ds.shard(3, 0).size, 334);
  assert.equal(ds.shard(3, 2).size, 333);
  assert.equal(ds.concat(range(5)).size, 1005);
  assert.equal(ds.zip(range(5)).size, 5);
  assert.equal(ds.filter(() => true).size, undefined);
  assert.equal(ds.batch(64).prefetch().size, 16);
});

test('zip pairs and ends with the shorter side, closing both', async () => {
  const left = tracked(100, { chunkSize: 3 });
  const right = tracked(10, { chunkSize: 4 });
  const pairs = await left.ds.zip(right.ds.map((x) => `r${x}`)).toArray();
  assert.deepEqual(pairs.slice(0, 2), [[0, 'r0'], [1, 'r1']]);
  assert.equal(pairs.length, 10);
  assert.equal(left.tracker.closed, 1);
  assert.equal(right.tracker.closed, 1);
});

test('repeat of an empty dataset ends instead of spinning', async () => {
  assert.deepEqual(await range(0).repeat().toArray(), []);
  assert.deepEqual(await range(2).repeat().take(5).toArray(), [0, 1, 0, 1, 0]);
});

test('sinks: count, forEach (sync and async callbacks), toArray', async () => {
  assert.equal(await range(12_345).count(), 12_345);
  const seen: number[] = [];
  await range(3).forEach((x, i) => {
    seen.push(x * 10 + i);
  });
  await fromIterable([7]).forEach(async (x) => {
    await new Promise((r) => setTimeout(r, 1));
    seen.push(x);
  });
  assert.deepEqual(seen, [0, 11, 22, 7]);
});

test('every iteration is a fresh epoch', async () => {
  const ds = range(5).map((x) => x + 1);
  assert.deepEqual(await ds.toArray(), await ds.toArray());
  const it1 = ds[Symbol.asyncIterator]();
  const it2 = ds[Symbol.asyncIterator]();
  assert.deepEqual([(await it1.next()).value, (await it1.next()).value, (await it2.next()).value], [1, 2, 1]);
});

test('withAbort: aborting rejects the pending read at once and closes the source', async () => {
  const never = new Dataset<number>({
    size: undefined,
    open: async function* () {
      yield [1];
      await new Promise(() => {}); // a source that never answers again
      return undefined;
    },
  });
  const controller = new AbortController();
  const seen: number[] = [];
  const run = (async () => {
    for await (const x of never.withAbort(controller.signal)) seen.push(x);
  })();
  await new Promise((r) => setTimeout(r, 20));
  const reason = new Error('user pressed ctrl-c');
  controller.abort(reason);
  await assert.rejects(run, (e: unknown) => e instanceof Error && e.name === 'AbortError' && e.cause === reason);
  assert.deepEqual(seen, [1]);
  const { ds, tracker } = tracked(1000, { chunkSize: 10 });
  const c2 = new AbortController();
  let n = 0;
  await assert.rejects(
    (async () => {
      for await (const _ of ds.withAbort(c2.signal)) if (++n === 15) c2.abort();
    })(),
    /abort/i,
  );
  assert.equal(tracker.closed, 1);
});
