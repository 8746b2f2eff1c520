import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { type Chunk, type ChunkIterator } from '../../src/index.js';
import { type AutotuneReport, HandOver, idleCpuMeter } from '../../src/stats/autotune.js';
import { BiasedMF, type ColumnBatch, useBackend } from '../../src/index.js';
import { trainEpochs } from '../../pipelines/movielens/train-loop.js';
import type { Example, ExampleColumns } from '../../pipelines/movielens/examples.js';
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
      const it = new HandOver<number>(stream(0, total, a, 0, closed), (at) => (opened++, stream(at, total, b, 0, closed)), { total, windowMs: 0, minWait: hand ? 0 : 2, minRemainingMs: 0, minSavingMs: 0, leadMs, idleCpus: () => 2 });
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
    const it = new HandOver<number>(stream(0, 4000, 10, producerMs, closed), (at) => stream(at, 4000, 10, 0, closed), { total: 4000, windowMs: 200, minWait: 0.2, minRemainingMs: 100, minSavingMs: 50, leadMs: 20, idleCpus: () => 2 }, (r) => (report = r));
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

test('not worth it when the run is nearly over, nor on one CPU, nor with no idle core', async () => {
  for (const policy of [{ minRemainingMs: 1e9 }, { minSavingMs: 1e9 }, { cpus: 1 }, { idleCpus: () => 0.2, minRemainingMs: 0, minSavingMs: 0, leadMs: 0 }]) {
    let report: AutotuneReport | undefined;
    let opened = 0;
    const closed = { n: 0 };
    const it = new HandOver<number>(stream(0, 300, 10, 5, closed), (at) => (opened++, stream(at, 300, 10, 0, closed)), { total: 300, windowMs: 30, idleCpus: () => 2, ...policy }, (r) => (report = r));
    assert.equal((await drain(it)).length, 300);
    assert.equal(report?.chose, 'current');
    assert.equal(opened, 0);
    if ('idleCpus' in policy) assert.match(report!.reason, /0\.2 of \d+ cores were idle/);
  }
});

test('return() mid-stream closes the producer and a candidate not yet handed over', async () => {
  const closed = { n: 0 };
  const it = new HandOver<number>(stream(0, 10_000, 10, 1, closed), (at) => stream(at, 10_000, 10, 0, closed), { total: 10_000, windowMs: 0, minWait: 0, minRemainingMs: 0, minSavingMs: 0, leadMs: 10, idleCpus: () => 2 });
  // The first chunk is start-up; the third pull measures (the first window), the fourth decides.
  for (let i = 0; i < 4; i++) await it.next();
  await it.return();
  assert.equal(closed.n, 2);
  assert.deepEqual(await it.next().catch(() => 'threw'), await it.next().catch(() => 'threw'));
});

test("train with loader 'auto' handing over to the worker trains the same model as the main loader", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-auto-'));
  const f = path.join(dir, 'r.csv');
  await generateRatings(f, { rows: 8000, seed: 6 });
  const common = { backend: 'cpu', epochs: 2, batch: 256, dim: 4 } as const;
  const auto = await trainRecommender(f, { ...common, loader: 'auto', autotune: { windowMs: 0, minWait: 0, minRemainingMs: 0, minSavingMs: 0, leadMs: 0, idleCpus: () => 2 } });
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
    const it = new HandOver<number>(stream(0, 3000, 10, 0, closed), (at) => stream(at, 3000, 10, 0, closed), { total: 3000, windowMs: 150, minRemainingMs: 0, minSavingMs: 0, leadMs: 20, idleCpus: () => 2 }, (r) => (seen = r));
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

test('the first measurement only measures: the candidate opens at the second', async () => {
  const closed = { n: 0 };
  let opened = 0;
  const reports: AutotuneReport[] = [];
  const it = new HandOver<number>(stream(0, 1000, 10, 0, closed), (at) => (opened++, stream(at, 1000, 10, 0, closed)), { total: 1000, windowMs: 0, minWait: 0, minRemainingMs: 0, minSavingMs: 0, leadMs: 0, idleCpus: () => 2 }, (r) => reports.push(r));
  for (let i = 0; i < 3; i++) await it.next(); // start-up, then one chunk, then the first measurement
  assert.equal(opened, 0);
  assert.deepEqual(reports.map((r) => r.chose), ['current']);
  assert.match(reports[0]!.reason, /in the first window \(start-up: measured, not decided on\)/);
  await it.next();
  assert.equal(opened, 1);
  assert.deepEqual(reports.map((r) => r.chose), ['current', 'candidate']);
  assert.equal((await drain(it)).length, 1000 - 40);
});

test('the time left is estimated from the rate after the first window, not the slow start', async () => {
  // The first 4 chunks take 50 ms each (200 elements/s); then the consumer's 1 ms a chunk sets the pace (thousands a second).
  let seen: AutotuneReport | undefined;
  const slowStart = (async function* (): AsyncGenerator<Chunk<number>, undefined> {
    for (let s = 0; s < 4000; s += 10) {
      if (s < 40) await sleep(50);
      yield Array.from({ length: 10 }, (_, i) => s + i);
    }
    return undefined;
  })();
  const it = new HandOver<number>({ next: () => slowStart.next(), return: () => slowStart.return(undefined) }, () => assert.fail('never opened'), { total: 4000, windowMs: 150, minWait: 2, idleCpus: () => 2 }, (r) => (seen = r));
  assert.equal((await drain(it, 1)).length, 4000);
  assert.ok(seen!.rate > 1000, `rate ${seen!.rate}`);
});

test('idleCpuMeter reads idle cores between 0 and the core count', async () => {
  const idle = idleCpuMeter();
  await sleep(50);
  const x = idle();
  assert.ok(x >= 0 && x <= os.cpus().length + 1e-9, String(x));
});

test("the training loop reports every step as the consumer's work, the held-out evaluation included", async () => {
  await useBackend('cpu');
  const batch = (): ColumnBatch<Example, ExampleColumns> => ({ size: 2, columns: { user: Int32Array.of(0, 1), item: Int32Array.of(1, 0), rating: Float32Array.of(4, 3) } });
  const chunks = [[batch(), batch()], [batch(), batch()]];
  const reported: number[] = [];
  const loader = {
    iterator: { next: async () => (chunks.length > 0 ? { done: false as const, value: chunks.shift()! } : { done: true as const, value: undefined }) },
    trained: (ms: number) => reported.push(ms),
    stats: () => assert.fail('not asked'),
    loader: () => ({ used: 'main' as const, reason: '' }),
  };
  const model = new BiasedMF({ users: 2, items: 2, dim: 2 });
  const r = await trainEpochs({ model, loader, from: { epoch: 0, position: 0 }, batches: 2, epochs: 2, lr: 0.01, decay: 1, earlyStop: 0, checkpointEvery: 1000, heldOut: async () => (await sleep(40), 1), save: () => {} });
  assert.equal(r.trained, 4);
  assert.equal(reported.length, 4, 'one report per step');
  // The second and fourth steps end an epoch: their 40 ms evaluation is the consumer's, not the loader's.
  assert.ok(reported[1]! >= 35 && reported[3]! >= 35, reported.join(', '));
});
