// Worker stages in the statistics (utilisation of their threads) and the 'auto' counts:
// whatever the feedback loop decides, the output is the same (decisions forced at random).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { csv, csvParallel, shuffledCsv, withStats } from '../../src/index.js';
import { background } from '../../src/sources/background.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { AUTO_WINDOW, scaling, WorkerScaler } from '../../src/stats/scaler.js';
import type { WorkerStage, WorkerStats } from '../../src/stats/threads.js';
import { tempFiles } from '../helpers/temp-files.js';

const { dir, file } = tempFiles('sluice-workers-');
const columns = { a: 'int32', b: 'int32' } as const;
let seed = 7;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 1000;
const csvFile = file('a,b\n' + Array.from({ length: 3000 }, (_, i) => `${i},${rand()}`).join('\n') + '\n');

const { decide, cpus } = scaling;
after(() => Object.assign(scaling, { decide, cpus }));

function checkWorkers(w: WorkerStats | undefined, what: string): void {
  assert.ok(w !== undefined, `${what}: workers reported`);
  assert.ok(w.count >= 1, `${what}: ${w.count} threads`);
  assert.equal(w.perWorker.length, w.count);
  assert.ok(w.utilisation > 0 && w.utilisation <= 1, `${what}: utilisation ${w.utilisation}`);
  for (const u of w.perWorker) assert.ok(u >= 0 && u <= 1, `${what}: a thread's utilisation ${u}`);
  assert.deepEqual(JSON.parse(JSON.stringify(w)), w, 'plain JSON');
}

test('worker stages report their threads: count, busy share over all and per worker', async () => {
  const decoded = withStats(csvParallel(file('a,b\n' + Array.from({ length: 40_000 }, (_, i) => `${i},${i % 97}`).join('\n') + '\n'), { columns, workers: 2, rangeBytes: 64 << 10 }).batch(256));
  const n = await decoded.count();
  const stages = decoded.stats().stages;
  assert.equal(stages[0]!.stage, 'csvParallel');
  assert.equal(stages[0]!.rows, 40_000);
  assert.ok(n > 0);
  checkWorkers(stages[0]!.workers, 'csvParallel');
  assert.equal(stages[1]!.workers, undefined, 'batch has no threads');

  const mapped = withStats(csv(csvFile, { columns, chunkRows: 100 }).mapParallel((r: { a: number; b: number }) => r.a + r.b, { concurrency: 2 }));
  assert.equal((await mapped.toArray()).length, 3000);
  const m = mapped.stats().stages.find((s) => s.stage === 'mapParallel');
  checkWorkers(m?.workers, 'mapParallel');

  const shuffled = withStats(shuffledCsv(csvFile, { columns, workers: 1, shuffle: { seed: 1, blockBytes: 2048, openBlocks: 2 } }));
  assert.equal(await shuffled.count(), 3000);
  assert.equal(shuffled.stats().stages[0]!.stage, 'shuffledCsv');
  checkWorkers(shuffled.stats().stages[0]!.workers, 'shuffledCsv');

  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  const module = path.join(dir, 'pipeline.ts');
  const index = JSON.stringify(decodeURIComponent(new URL('../../src/index.ts', import.meta.url).pathname));
  fs.writeFileSync(module, `import { range } from ${index};\nexport default (n: number) => range(n).map((x) => x * 2).batch(100);\n`);
  const bg = withStats(background<number[]>(pathToFileURL(module), { args: [200_000] }));
  assert.equal(await bg.count(), 2000);
  assert.equal(bg.stats().stages[0]!.stage, 'background');
  checkWorkers(bg.stats().stages[0]!.workers, 'background');
  assert.equal(bg.stats().stages[0]!.workers!.count, 1);
});

/** Forces the feedback loop's decisions from `plan` (cycled); counts the workers it added. */
function force(plan: boolean[]): { adds: number } {
  const seen = { adds: 0 };
  let k = 0;
  scaling.cpus = () => 4;
  scaling.decide = () => {
    const d = plan[k++ % plan.length]!;
    if (d) seen.adds++;
    return d;
  };
  return seen;
}

test("workers: 'auto' and concurrency: 'auto': the same rows in the same order whatever is decided", async () => {
  const inOrder = await csv(csvFile, { columns }).toArray();
  const interleaved = await csvParallel(csvFile, { columns, workers: 2, order: 'interleave', rangeBytes: 2048, chunkRows: 16 }).toArray();
  const blocks = { seed: 3, blockBytes: 2048, openBlocks: 2 };
  const shuffledOnce = await shuffledCsv(csvFile, { columns, workers: 0, chunkRows: 16, shuffle: blocks }).toArray();
  const mapped = inOrder.map((r) => r.a * 3 + r.b);
  assert.ok(inOrder.length / 16 > 4 * AUTO_WINDOW, 'enough chunks for several decisions');
  let added = 0;
  let most = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }), async (plan) => {
      const seen = force(plan);
      const auto = csvParallel(csvFile, { columns, workers: 'auto', rangeBytes: 2048, chunkRows: 16 });
      assert.deepEqual(await auto.toArray(), inOrder);
      most = Math.max(most, (auto.source as Partial<WorkerStage>).workerStats?.()?.count ?? 0);
      assert.deepEqual(await auto.toArray(), inOrder, 'a second epoch starts with the count learned');
      assert.deepEqual(await csvParallel(csvFile, { columns, workers: 'auto', order: 'interleave', rangeBytes: 2048, chunkRows: 16 }).toArray(), interleaved);
      assert.deepEqual(await shuffledCsv(csvFile, { columns, workers: 'auto', chunkRows: 16, shuffle: blocks }).toArray(), shuffledOnce);
      added += seen.adds;
    }),
    { numRuns: 6, seed: 17 },
  );
  await fc.assert(
    fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), async (plan) => {
      const seen = force(plan);
      const ds = csv(csvFile, { columns, chunkRows: 64 }).mapParallel((r: { a: number; b: number }) => r.a * 3 + r.b, { concurrency: 'auto' });
      assert.deepEqual(await ds.toArray(), mapped);
      added += seen.adds;
    }),
    { numRuns: 3, seed: 5 },
  );
  assert.ok(added > 0, 'some runs added workers');
  assert.ok(most > 1, `csvParallel ran on more than one thread in some run (${most})`);
});

test("'auto' adds workers while the consumer waits on the stage, up to the budget, and none while it does not", async () => {
  Object.assign(scaling, { decide, cpus });
  /** `chunks` chunks, `produceMs` before each; the consumer works `consumeMs` after each. */
  async function run(produceMs: number, consumeMs: number, budget: number): Promise<{ count: number; adds: number }> {
    const scaler = new WorkerScaler(budget);
    let adds = 0;
    const it = scaler.watch(
      (async function* () {
        for (let i = 0; i < 6 * AUTO_WINDOW; i++) {
          if (produceMs > 0) await sleep(produceMs);
          yield [i];
        }
        return undefined;
      })(),
      () => adds++,
    );
    for (let r = await it.next(); r.done !== true; r = await it.next()) await sleep(consumeMs);
    return { count: scaler.count, adds };
  }
  assert.deepEqual(await run(15, 0, 3), { count: 3, adds: 2 }, 'a waiting consumer: up to the budget');
  assert.deepEqual(await run(0, 15, 3), { count: 1, adds: 0 }, 'a busy consumer: one worker');
  assert.deepEqual(await run(15, 0, 1), { count: 1, adds: 0 }, 'a budget of one');
});
