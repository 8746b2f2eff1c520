// The core contract, stage by stage: early break closes the source, errors reach the
// consumer with context and without unhandled rejections, determinism under a seed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Dataset, range, StageError } from '../../src/index.js';
import { tracked, unhandledDuring } from '../helpers/sources.js';

const stages: Record<string, (ds: Dataset<number>) => Dataset<unknown>> = {
  map: (ds) => ds.map((x) => x + 1),
  filter: (ds) => ds.filter((x) => x % 2 === 0),
  flatMap: (ds) => ds.flatMap((x) => [x, x]),
  shuffle: (ds) => ds.shuffle(16, { seed: 3 }),
  batch: (ds) => ds.batch(5),
  prefetch: (ds) => ds.prefetch(3),
  take: (ds) => ds.take(150),
  skip: (ds) => ds.skip(3),
  repeat: (ds) => ds.repeat(2),
  shard: (ds) => ds.shard(3, 1),
  concat: (ds) => ds.concat(range(5)),
  zip: (ds) => ds.zip(range(1000)),
  'map→shuffle→batch→prefetch': (ds) => ds.map((x) => x * 2).shuffle(10).batch(4).prefetch(2),
};

describe('every stage', () => {
  for (const [name, build] of Object.entries(stages)) {
    test(`${name}: break after the first element closes the source`, async () => {
      const { ds, tracker } = tracked(200, { chunkSize: 4 });
      for await (const _ of build(ds)) break;
      assert.equal(tracker.opened, 1);
      assert.equal(tracker.closed, 1);
    });

    test(`${name}: a source error rejects next() with the original error, nothing unhandled`, async () => {
      const { ds, tracker } = tracked(200, { chunkSize: 4, failAt: 41 });
      const unhandled = await unhandledDuring(async () => {
        await assert.rejects(build(ds).toArray(), /source failed at 41/);
      });
      assert.deepEqual(unhandled, []);
      assert.equal(tracker.closed, tracker.opened);
    });

    test(`${name}: the same recipe gives the same epoch twice over (fresh datasets)`, async () => {
      const a = await build(tracked(100, { chunkSize: 9 }).ds).toArray();
      const b = await build(tracked(100, { chunkSize: 9 }).ds).toArray();
      assert.deepEqual(a, b);
    });
  }
});

test('an error thrown in map names the element index and keeps the cause', async () => {
  const ds = range(100).map((x) => {
    if (x === 37) throw new TypeError('bad value');
    return x;
  });
  const err = await ds.toArray().then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof StageError);
  assert.match(err.message, /map: bad value at element 37/);
  assert.equal(err.index, 37);
  assert.ok(err.cause instanceof TypeError);
});

test('filter and flatMap name the element index too', async () => {
  await assert.rejects(range(10).filter((x) => { if (x === 4) throw new Error('nope'); return true; }).toArray(), /filter: nope at element 4/);
  await assert.rejects(range(10).flatMap((x) => { if (x === 6) throw new Error('nope'); return [x]; }).toArray(), /flatMap: nope at element 6/);
});

test('map given an async function says to use mapParallel', async () => {
  await assert.rejects(range(3).map(async (x) => x).toArray(), /returned a Promise/);
});

test('options are validated when the pipeline is built, naming option and value', () => {
  assert.throws(() => range(3).shuffle(0), /shuffle: bufferSize must be an integer >= 1, got 0/);
  assert.throws(() => range(3).batch(2.5), /batch: size must be an integer >= 1, got 2.5/);
  assert.throws(() => range(3).prefetch(-1), /prefetch: depth must be an integer >= 1, got -1/);
  assert.throws(() => range(3).take(-1), /take: count must be an integer >= 0/);
  assert.throws(() => range(3).shard(2, 2), /shard: index must be < count \(2\), got 2/);
  assert.throws(() => range(3).repeat(-2), /repeat: count must be a non-negative integer/);
  assert.throws(() => range(3).map('x' as never), /map: fn must be a function, got "x"/);
});

describe('determinism', () => {
  const order = (ds: Dataset<number>) => ds.toArray();

  test('same seed → identical order; another seed → another order', async () => {
    const a = await order(range(1000).shuffle(100, { seed: 7 }));
    const b = await order(range(1000).shuffle(100, { seed: 7 }));
    const c = await order(range(1000).shuffle(100, { seed: 8 }));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  test('each epoch reshuffles, reproducibly; reshuffleEachEpoch: false repeats the order', async () => {
    const ds = range(1000).shuffle(100, { seed: 7 });
    const [e0, e1] = [await order(ds), await order(ds)];
    assert.notDeepEqual(e0, e1);
    const again = range(1000).shuffle(100, { seed: 7 });
    assert.deepEqual([await order(again), await order(again)], [e0, e1]);
    const fixed = range(1000).shuffle(100, { seed: 7, reshuffleEachEpoch: false });
    assert.deepEqual(await order(fixed), await order(fixed));
  });

  test('repeat plays fresh (reshuffled) passes, and is itself reproducible', async () => {
    const make = () => range(50).shuffle(50, { seed: 1 }).repeat(3);
    const out = await make().toArray();
    const passes = [out.slice(0, 50), out.slice(50, 100), out.slice(100)];
    assert.notDeepEqual(passes[0], passes[1]);
    for (const p of passes) assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(await make().toArray(), out);
  });

  test('shards of a seeded shuffle partition the epoch, the same way every run', async () => {
    const shards = async () => Promise.all([0, 1, 2].map((i) => range(300).shuffle(64, { seed: 5 }).shard(3, i).toArray()));
    const a = await shards();
    assert.deepEqual(await shards(), a);
    assert.deepEqual(a.flat().sort((x, y) => x - y), Array.from({ length: 300 }, (_, i) => i));
  });

  test('the default seed is fixed, not the clock', async () => {
    assert.deepEqual(await order(range(500).shuffle(50)), await order(range(500).shuffle(50)));
  });
});

describe('bounded buffering', () => {
  test('shuffle(k) never holds more than k elements besides the chunk in flight', async () => {
    for (const [k, chunk] of [[10, 1], [10, 7], [100, 3], [1, 5]] as const) {
      const { ds, tracker } = tracked(2000, { chunkSize: chunk });
      let consumed = 0;
      let maxAhead = 0;
      for await (const _ of ds.shuffle(k, { seed: 1 })) {
        consumed++;
        maxAhead = Math.max(maxAhead, tracker.pulled - consumed);
      }
      assert.equal(consumed, 2000);
      assert.ok(maxAhead <= k + chunk, `shuffle(${k}) with chunks of ${chunk} ran ${maxAhead} ahead`);
      assert.ok(maxAhead >= k - 1, 'the buffer fills');
    }
  });

  test('prefetch(d) never runs more than d chunks ahead of the consumer', async () => {
    for (const d of [1, 2, 5]) {
      const chunk = 4;
      const { ds, tracker } = tracked(400, { chunkSize: chunk });
      let consumed = 0;
      let maxAhead = 0;
      for await (const _ of ds.prefetch(d)) {
        consumed++;
        // Let the prefetcher run as far as it is allowed before measuring.
        await new Promise((r) => setImmediate(r));
        const chunksAhead = Math.ceil((tracker.pulled - consumed) / chunk);
        maxAhead = Math.max(maxAhead, chunksAhead);
      }
      assert.equal(consumed, 400);
      // d chunks queued plus the one the consumer is reading from.
      assert.ok(maxAhead <= d + 1, `prefetch(${d}) ran ${maxAhead} chunks ahead`);
      assert.ok(maxAhead >= d, `prefetch(${d}) should run ahead, ran ${maxAhead}`);
    }
  });
});

describe('explicit epochs', () => {
  test('epoch e of a recipe is the same stream whenever it is asked for, through repeat and sequence', async () => {
    const ds = range(200).shuffle(50, { seed: 9 }).repeat(2).batch(7);
    const e3 = async () => {
      const out: unknown[] = [];
      for await (const chunk of ds.chunks({ epoch: 3 })) out.push(...(chunk as unknown[]));
      return out;
    };
    const first = await e3();
    await ds.toArray(); // implicit epochs in between change nothing
    assert.deepEqual(await e3(), first);
    const e4: unknown[] = [];
    for await (const b of ds.iterator({ epoch: 4 })) e4.push(b);
    assert.notDeepEqual(e4, first);
  });

  test('implicit epochs continue after an explicit one', async () => {
    const a = range(100).shuffle(100, { seed: 2 });
    const b = range(100).shuffle(100, { seed: 2 });
    await a.chunks({ epoch: 5 })[Symbol.asyncIterator]().return?.();
    const afterExplicit = await a.toArray();
    const sixth: number[] = [];
    for await (const x of b.iterator({ epoch: 6 })) sixth.push(x);
    assert.deepEqual(afterExplicit, sixth);
  });
});
