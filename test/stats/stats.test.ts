import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Chunk, csv, Dataset, findBottleneck, formatStats, OptionError, type PipelineStats, range, withStats } from '../../src/index.js';
import { tracked } from '../helpers/sources.js';

/** Waits `ms` of wall time on this thread (a stage that computes): the same wall time on a busy machine. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** `chunks` chunks of `size` numbers; each chunk takes `delay` ms (a timer: a slow disk or network). */
function slowSource(chunks: number, size: number, delay: number): Dataset<number> {
  return new Dataset<number>({
    size: chunks * size,
    open: () =>
      (async function* (): AsyncGenerator<Chunk<number>, undefined> {
        for (let c = 0; c < chunks; c++) {
          if (delay > 0) await sleep(delay);
          yield Array.from({ length: size }, (_, i) => c * size + i);
        }
        return undefined;
      })(),
  });
}

test('counts rows and chunks of every stage exactly, and the three shares add up to 1', async () => {
  const ds = withStats(range(10_000).map((x) => x + 1).filter((x) => x % 2 === 0).batch(100));
  let batches = 0;
  for await (const b of ds) batches += b.length > 0 ? 1 : 0;
  const s = ds.stats();
  assert.deepEqual(s.stages.map((x) => x.stage), ['source', 'map', 'filter', 'batch']);
  assert.deepEqual(s.stages.map((x) => x.rows), [10_000, 10_000, 5000, 50]);
  assert.equal(s.stages[1]!.chunks, s.stages[0]!.chunks, 'map: a chunk out per chunk in');
  assert.ok(s.stages[3]!.chunks >= 1);
  assert.equal(batches, 50);
  assert.equal(s.rows, 50);
  for (const st of s.stages) {
    assert.ok(Math.abs(st.producing + st.waitingUpstream + st.waitingConsumer - 1) < 1e-9, `${st.stage} shares add to 1`);
    assert.ok(st.producing >= 0 && st.waitingUpstream >= 0 && st.waitingConsumer >= 0);
  }
  assert.equal(s.stages[0]!.waitingUpstream, 0, 'the source has no upstream');
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(s)));
  assert.match(formatStats(s), /^stage/);
});

test('the timed recipe gives the same elements in the same order, every epoch, and leaves the recipe untimed', async () => {
  const plain = range(5000).map((x) => x * 3).shuffle(700, { seed: 4 }).batch(64);
  const timed = withStats(plain);
  assert.deepEqual(await timed.toArray(), await plain.toArray());
  assert.deepEqual(await timed.toArray(), await plain.toArray());
  assert.equal(timed.size, plain.size);
  assert.equal('stats' in plain, false, 'the recipe itself has no statistics surface');
  assert.equal(plain.lineage?.stage, 'batch');
});

test('buffer fill of prefetch and shuffle is within its bound; csv reports bytes read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-stats-'));
  const file = join(dir, 'r.csv');
  writeFileSync(file, 'a,b\n' + Array.from({ length: 20_000 }, (_, i) => `${i},${i % 7}`).join('\n') + '\n');
  const ds = withStats(csv(file, { columns: { a: 'int32', b: 'int32' } }).shuffle(3000, { seed: 1 }).prefetch(3).batch(256));
  assert.equal(await ds.count(), Math.ceil(20_000 / 256));
  const [src, sh, pf] = ds.stats().stages;
  assert.equal(src!.stage, 'csv');
  assert.ok(src!.bytes! > 20_000 * 4, `bytes ${src!.bytes}`);
  assert.equal(sh!.buffer!.capacity, 3000);
  assert.equal(sh!.buffer!.unit, 'rows');
  assert.ok(sh!.buffer!.meanFill > 0 && sh!.buffer!.meanFill <= 3000);
  assert.equal(pf!.buffer!.capacity, 3);
  assert.ok(pf!.buffer!.meanFill >= 0 && pf!.buffer!.meanFill <= 3);
});

test('onStats is called during the epoch at the interval and once as it ends; stats() works mid-epoch', async () => {
  const seen: PipelineStats[] = [];
  const ds = withStats(slowSource(12, 10, 10), { interval: 20, onStats: (s) => seen.push(s) });
  let mid: PipelineStats | undefined;
  let n = 0;
  for await (const x of ds) {
    if (++n === 60) mid = ds.stats();
    void x;
  }
  assert.ok(seen.length >= 2, `${seen.length} calls`);
  assert.equal(seen[seen.length - 1]!.rows, 120, 'the last call has the whole epoch');
  assert.ok(mid!.rows >= 60 && mid!.rows < 120);
  const after = seen.length;
  await sleep(60);
  assert.equal(seen.length, after, 'no calls while no epoch is open');
});

test('early exit closes the epoch: the run time stops', async () => {
  const ds = withStats(range(100_000).batch(10));
  for await (const b of ds) if (b[0] === 500) break;
  const a = ds.stats().seconds;
  await sleep(30);
  assert.equal(ds.stats().seconds, a);
  const rows = ds.stats().stages[1]!.rows;
  assert.ok(rows >= 51 && rows < 10_000, `${rows} batches counted (whole chunks)`);
});

test('options are checked when the recipe is built', () => {
  assert.throws(() => withStats(range(3), { intervall: 5 } as never), (e: unknown) => e instanceof OptionError && /did you mean 'interval'/.test(e.message));
  assert.throws(() => withStats(range(3), { interval: 0 }), OptionError);
  assert.throws(() => withStats(range(3), { onStats: 3 } as never), OptionError);
});

// Known bottlenecks, each 20× or more the rest (timers and wall-clock spins: the same on a busy machine).
test('bottleneck: a slow source is named', async () => {
  const ds = withStats(slowSource(25, 50, 20).map((x) => x + 1).batch(50), { source: 'disk' });
  for await (const b of ds) void b;
  const b = ds.stats().bottleneck;
  assert.equal(b.stage, 'disk', b.line);
  assert.ok(b.fraction > 0.5, b.line);
  assert.match(b.line, /^the consumer waits on `disk` \d+% of the time: /);
});

test('bottleneck: a slow map is named, with its advice', async () => {
  const ds = withStats(slowSource(25, 50, 0).map((x) => { if (x % 50 === 0) spin(20); return x; }).batch(50));
  for await (const b of ds) void b;
  const b = ds.stats().bottleneck;
  assert.equal(b.stage, 'map', b.line);
  assert.match(b.advice, /mapParallel/);
});

test('bottleneck: a slow consumer is named, behind prefetch or not', async () => {
  for (const pipe of [slowSource(25, 50, 0).map((x) => x).batch(50), slowSource(25, 50, 0).batch(50).prefetch(2)]) {
    const ds = withStats(pipe);
    for await (const b of ds.chunks()) {
      void b;
      await sleep(20);
    }
    const b = ds.stats().bottleneck;
    assert.equal(b.stage, 'consumer', b.line);
    assert.match(b.line, /^the pipeline is idle \d+% of the time: the consumer \(training\) is the bottleneck, loading is not$/);
  }
});

test('bottleneck: a slow stage behind a prefetch is still the one named', async () => {
  const ds = withStats(slowSource(25, 50, 20).batch(50).prefetch(2));
  for await (const b of ds) void b;
  assert.equal(ds.stats().bottleneck.stage, 'source');
});

test('findBottleneck of nothing run yet says so', () => {
  assert.equal(findBottleneck([]).stage, 'none');
  assert.equal(withStats(range(3)).stats().bottleneck.stage, 'none');
});

test('a tracked source counts the same pulls with stats on', async () => {
  const { ds, tracker } = tracked(1000, { chunkSize: 10 });
  assert.equal(await withStats(ds.take(25)).count(), 25);
  assert.equal(tracker.pulled, 30);
  assert.equal(tracker.closed, 1);
});

test('a probed source keeps what it carries: cache(path) of a timed csv still finds its fingerprint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-stats-'));
  const file = join(dir, 'r.csv');
  writeFileSync(file, 'a,b\n' + Array.from({ length: 500 }, (_, i) => `${i},${i % 7}`).join('\n') + '\n');
  const ds = withStats(csv(file, { columns: { a: 'int32', b: 'int32' } }).cache(join(dir, 'r.arrow')));
  assert.equal(await ds.count(), 500);
  assert.equal(await ds.count(), 500);
  assert.deepEqual(ds.stats().stages.map((s) => s.stage), ['csv', 'cache']);
});

test("csv's advice follows its engine: columns for the general engine, more threads for the fast one", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-stats-'));
  const file = join(dir, 'r.csv');
  writeFileSync(file, 'a,b\n' + Array.from({ length: 300 }, (_, i) => `${i},x${i}`).join('\n') + '\n');
  const general = withStats(csv(file));
  await general.count();
  const s = general.stats().stages[0]!;
  assert.equal(s.engine, 'general');
  const line = findBottleneck([{ ...s, producing: 0.9, waitingUpstream: 0, waitingConsumer: 0.1 }]);
  assert.match(line.advice, /declare numeric `columns`/);
  assert.match(findBottleneck([{ ...s, engine: 'fast', producing: 0.9, waitingUpstream: 0, waitingConsumer: 0.1 }]).advice, /csvParallel/);
});
