import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EpochCursor, OptionError, range, SluiceError } from '../src/index.js';
import { sorted, tracked } from './helpers/sources.js';

const pipeline = () => tracked(500, { chunkSize: 9, columnar: true }).ds.shuffle(64, { seed: 3 }).map((r) => r.id);

test('exactly once across a resume: interrupted anywhere, the epochs add up to the uninterrupted run', async () => {
  const reference: number[][] = [];
  const full = new EpochCursor(pipeline());
  while (full.epoch < 2) reference.push(await fromRun(full.run()));
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 500 }), async (stopEpoch, stopAt) => {
      const first = new EpochCursor(pipeline());
      const seen: number[][] = [[], []];
      // Run until the "crash" at (stopEpoch, stopAt), saving state as we go.
      outer: while (first.epoch < 2) {
        for await (const x of first.run()) {
          seen[first.epoch]!.push(x);
          if (first.epoch === stopEpoch && first.state().position === stopAt) break outer;
        }
      }
      const saved = JSON.parse(JSON.stringify(first.state()));
      // A fresh process: a new pipeline, resumed from the saved state.
      const second = new EpochCursor(pipeline(), saved);
      while (second.epoch < 2) {
        const e = second.epoch;
        for await (const x of second.run()) seen[e]!.push(x);
      }
      assert.deepEqual(seen, reference);
    }),
    { numRuns: 60 },
  );
});

test('epochs differ (reshuffled) and each holds every element once', async () => {
  const cursor = new EpochCursor(pipeline());
  const e0 = await fromRun(cursor.run());
  const e1 = await fromRun(cursor.run());
  assert.notDeepEqual(e0, e1);
  assert.deepEqual(sorted(e1), Array.from({ length: 500 }, (_, i) => i));
  assert.deepEqual(cursor.state(), { epoch: 2, position: 0 });
});

test('bad states are refused up front', () => {
  assert.throws(() => new EpochCursor(range(3), { epoch: -1, position: 0 }), /state.epoch must be a non-negative integer, got -1/);
  assert.throws(() => new EpochCursor(range(3), { epoch: 0, position: 1.5 }), /state.position/);
});

async function fromRun(it: AsyncIterable<number>): Promise<number[]> {
  const out: number[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test('EpochCursor validates its state: not an object, negative, or past the end of the epoch', async () => {
  assert.throws(() => new EpochCursor(range(10), null as never), OptionError);
  assert.throws(() => new EpochCursor(range(10), { epoch: -1, position: 0 }), OptionError);
  assert.throws(() => new EpochCursor(range(10), { epoch: 0, position: 11 }), /past the end/);
  // A size the dataset cannot know ahead: found when the epoch ends, never a silently skipped epoch.
  const unknown = range(10).filter(() => true);
  const cursor = new EpochCursor(unknown, { epoch: 0, position: 25 });
  await assert.rejects(async () => {
    for await (const _ of cursor.run());
  }, (e: unknown) => e instanceof SluiceError && /past the end of epoch 0 \(10 elements\)/.test((e as Error).message));
  const ok = new EpochCursor(unknown, { epoch: 0, position: 10 });
  for await (const _ of ok.run());
  assert.deepEqual(ok.state(), { epoch: 1, position: 0 });
});
