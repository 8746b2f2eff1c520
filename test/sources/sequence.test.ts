import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromSequence, Sequence, StageError } from '../../src/index.js';
import { unhandledDuring } from '../helpers/sources.js';

class Recorder extends Sequence<number> {
  calls: number[] = [];
  epochsEnded = 0;
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    readonly n: number,
    private readonly delayMs = 0,
    private readonly failAt = -1,
  ) {
    super();
  }
  get length() {
    return this.n;
  }
  async getItem(i: number) {
    this.calls.push(i);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    // Later indices finish first, to prove results still come in order.
    await new Promise((r) => setTimeout(r, this.delayMs * ((this.n - i) % 3)));
    this.inFlight--;
    if (i === this.failAt) throw new Error('disk on fire');
    return i * 10;
  }
  override onEpochEnd() {
    this.epochsEnded++;
  }
}

test('length batches per epoch, in order, onEpochEnd once per epoch', async () => {
  const seq = new Recorder(7);
  const ds = fromSequence(seq);
  assert.equal(ds.size, 7);
  assert.deepEqual(await ds.toArray(), [0, 10, 20, 30, 40, 50, 60]);
  assert.equal(seq.epochsEnded, 1);
  await ds.toArray();
  assert.equal(seq.epochsEnded, 2);
});

test('shuffle visits every index once per epoch, in a new seeded order each epoch', async () => {
  const seq = new Recorder(50);
  const ds = fromSequence(seq, { shuffle: true, seed: 3 });
  const e0 = await ds.toArray();
  const e1 = await ds.toArray();
  const all = Array.from({ length: 50 }, (_, i) => i * 10);
  assert.deepEqual([...e0].sort((a, b) => a - b), all);
  assert.deepEqual([...e1].sort((a, b) => a - b), all);
  assert.notDeepEqual(e0, e1);
  const again = fromSequence(new Recorder(50), { shuffle: true, seed: 3 });
  assert.deepEqual(await again.toArray(), e0);
});

test('workers: getItem calls run ahead concurrently (at most `workers`), results in order', async () => {
  const seq = new Recorder(12, 5);
  const out = await fromSequence(seq, { workers: 4 }).toArray();
  assert.deepEqual(out, Array.from({ length: 12 }, (_, i) => i * 10));
  assert.equal(seq.maxInFlight, 4);
});

test('a failing getItem rejects with its index; other calls in flight are not unhandled', async () => {
  const seq = new Recorder(20, 2, 5);
  const unhandled = await unhandledDuring(async () => {
    await assert.rejects(fromSequence(seq, { workers: 4 }).toArray(), (e: unknown) => e instanceof StageError && /getItem: disk on fire at element 5/.test(e.message));
  });
  assert.deepEqual(unhandled, []);
  assert.equal(seq.epochsEnded, 0, 'an epoch that failed did not end');
});

test('breaking out early stops issuing getItem calls and skips onEpochEnd', async () => {
  const seq = new Recorder(100);
  for await (const _ of fromSequence(seq, { workers: 2 })) break;
  assert.ok(seq.calls.length <= 3, `called ${seq.calls.length} times`);
  assert.equal(seq.epochsEnded, 0);
});

test('options are checked up front', () => {
  assert.throws(() => fromSequence(new Recorder(3), { workers: 0 }), /workers must be an integer >= 1, got 0/);
  assert.throws(() => fromSequence({} as never), /expected a Sequence/);
});
