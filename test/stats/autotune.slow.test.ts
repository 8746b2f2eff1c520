import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { type Chunk, type ChunkIterator } from '../../src/index.js';
import { type AutotuneReport, HandOver } from '../../src/stats/autotune.js';
import { generateRatings } from '../../pipelines/synthetic/generate.js';
import { trainRecommender } from '../../pipelines/movielens/train.js';

/** Numbers from..total-1 in chunks of `size`, `delay` ms before each chunk; counts closes. */
function stream(from: number, total: number, size: number, delay: number, closed: { n: number }): ChunkIterator<number> {
  let done = false;
  const close = () => {
    if (!done) closed.n++;
    done = true;
  };
  const gen = (async function* (): AsyncGenerator<Chunk<number>, undefined> {
    try {
      for (let s = from; s < total; s += size) {
        if (delay > 0) await sleep(delay);
        yield Array.from({ length: Math.min(size, total - s) }, (_, i) => s + i);
      }
    } finally {
      close();
    }
    return undefined;
  })();
  return { next: () => gen.next(), return: () => (close(), gen.return(undefined)) };
}

async function drain(it: ChunkIterator<number>, consumerMs = 0): Promise<number[]> {
  const out: number[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done) return out;
    out.push(...(r.value as number[]));
    if (consumerMs > 0) await sleep(consumerMs);
  }
}

test('the output is the same stream whatever is decided and wherever the hand-over falls', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 37 }), fc.integer({ min: 1, max: 29 }), fc.boolean(), fc.integer({ min: 0, max: 30 }), async (total, a, b, hand, leadMs) => {
      const closed = { n: 0 };
      let opened = 0;
      const it = new HandOver<number>(stream(0, total, a, 0, closed), (at) => (opened++, stream(at, total, b, 0, closed)), { total, windowMs: 0, minWait: hand ? 0 : 2, minRemainingMs: 0, minSavingMs: 0, leadMs });
      assert.deepEqual(await drain(it), Array.from({ length: total }, (_, i) => i));
      assert.equal(closed.n, 1 + opened, 'every stream opened is closed');
    }),
    { numRuns: 150 },
  );
});

test('a slow producer and a waiting consumer: the candidate takes over; a slow consumer: the producer stays', async () => {
  const decide = async (producerMs: number, consumerMs: number): Promise<AutotuneReport> => {
    let report: AutotuneReport | undefined;
    const closed = { n: 0 };
    const it = new HandOver<number>(stream(0, 4000, 10, producerMs, closed), (at) => stream(at, 4000, 10, 0, closed), { total: 4000, windowMs: 200, minWait: 0.2, minRemainingMs: 100, minSavingMs: 50, leadMs: 20 }, (r) => (report = r));
    const out = await drain(it, consumerMs);
    assert.equal(out.length, 4000);
    assert.deepEqual(out.slice(0, 5), [0, 1, 2, 3, 4]);
    return report!;
  };
  const slowProducer = await decide(10, 0);
  assert.equal(slowProducer.chose, 'candidate', slowProducer.reason);
  assert.ok(slowProducer.waitFraction > 0.5);
  const slowConsumer = await decide(0, 10);
  assert.equal(slowConsumer.chose, 'current', slowConsumer.reason);
});

test('not worth it when the run is nearly over, nor on one CPU', async () => {
  for (const policy of [{ minRemainingMs: 1e9 }, { minSavingMs: 1e9 }, { cpus: 1 }]) {
    let report: AutotuneReport | undefined;
    let opened = 0;
    const closed = { n: 0 };
    const it = new HandOver<number>(stream(0, 300, 10, 5, closed), (at) => (opened++, stream(at, 300, 10, 0, closed)), { total: 300, windowMs: 30, ...policy }, (r) => (report = r));
    assert.equal((await drain(it)).length, 300);
    assert.equal(report?.chose, 'current');
    assert.equal(opened, 0);
  }
});

test('return() mid-stream closes the producer and a candidate not yet handed over', async () => {
  const closed = { n: 0 };
  const it = new HandOver<number>(stream(0, 10_000, 10, 1, closed), (at) => stream(at, 10_000, 10, 0, closed), { total: 10_000, windowMs: 0, minWait: 0, minRemainingMs: 0, minSavingMs: 0, leadMs: 10 });
  for (let i = 0; i < 3; i++) await it.next(); // the first chunk is start-up; the window decides on the third pull
  await it.return();
  assert.equal(closed.n, 2);
  assert.deepEqual(await it.next().catch(() => 'threw'), await it.next().catch(() => 'threw'));
});

test("train with loader 'auto' handing over to the worker trains the same model as the main loader", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-auto-'));
  const f = path.join(dir, 'r.csv');
  await generateRatings(f, { rows: 8000, seed: 6 });
  const common = { backend: 'cpu', epochs: 2, batch: 256, dim: 4 } as const;
  const auto = await trainRecommender(f, { ...common, loader: 'auto', autotune: { windowMs: 0, minWait: 0, minRemainingMs: 0, minSavingMs: 0, leadMs: 0 } });
  assert.equal(auto.loader.used, 'main→worker', auto.loader.reason);
  const main = await trainRecommender(f, { ...common, loader: 'main' });
  assert.equal(auto.trainRmse, main.trainRmse);
  assert.equal(auto.testRmse, main.testRmse);
  assert.equal(main.loader.used, 'main');
  assert.ok(['consumer', 'loader', 'background', 'prefetch'].includes(auto.bottleneck.stage), auto.bottleneck.line);
  assert.ok(auto.stages.length >= 1);
});

test("the consumer's reported work reveals a producer whose cost no wait shows (one working on this thread between pulls)", async () => {
  const decide = async (report: boolean): Promise<AutotuneReport> => {
    let seen: AutotuneReport | undefined;
    const closed = { n: 0 };
    const it = new HandOver<number>(stream(0, 3000, 10, 0, closed), (at) => stream(at, 3000, 10, 0, closed), { total: 3000, windowMs: 150, minRemainingMs: 0, minSavingMs: 0, leadMs: 20 }, (r) => (seen = r));
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      await sleep(5); // the producer's hidden work, as the loop sees it
      if (report) it.consumerWork(0.5); // the consumer's own step
    }
    return seen!;
  };
  assert.equal((await decide(false)).chose, 'current');
  const told = await decide(true);
  assert.equal(told.chose, 'candidate', told.reason);
  assert.ok(told.waitFraction > 0.5);
});
