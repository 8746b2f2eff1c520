// The iterator core: the fence (return() behind a step in flight, idempotent close, first
// error wins, abort) and the ready queue (every waiter woken on close).
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import type { Chunk } from '../src/chunk.js';
import { AbortError } from '../src/errors.js';
import { FencedIterator, ReadyQueue } from '../src/iterator.js';

/** A step that waits for the test to let it go; counts what ran. */
class Gated extends FencedIterator<number> {
  steps = 0;
  running = 0;
  maxRunning = 0;
  releases = 0;
  releasedWhileRunning = false;
  gates: (() => void)[] = [];
  failStep: Error | undefined;
  failRelease: Error | undefined;
  interrupts: boolean[] = [];

  protected async step(): Promise<IteratorResult<Chunk<number>, undefined>> {
    const n = this.steps++;
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      await new Promise<void>((r) => this.gates.push(r));
      if (this.failStep) throw this.failStep;
      return n < 3 ? { done: false, value: [n] } : { done: true, value: undefined };
    } finally {
      this.running--;
    }
  }

  protected async release(): Promise<void> {
    this.releases++;
    if (this.running > 0) this.releasedWhileRunning = true;
    if (this.failRelease) throw this.failRelease;
  }

  protected override interrupt(aborted: boolean): void {
    this.interrupts.push(aborted);
  }

  open(): void {
    for (const g of this.gates.splice(0)) g();
  }
}

const turn = () => new Promise((r) => setImmediate(r));

describe('FencedIterator', () => {
  test('steps run one at a time, in order', async () => {
    const it = new Gated();
    const a = it.next();
    const b = it.next();
    await turn();
    assert.equal(it.steps, 1);
    it.open();
    assert.deepEqual(await a, { done: false, value: [0] });
    await turn();
    it.open();
    assert.deepEqual(await b, { done: false, value: [1] });
    assert.equal(it.maxRunning, 1);
  });

  test('return() while a next() is in flight: the step settles first, answers done, release runs once after it', async () => {
    const it = new Gated();
    const pending = it.next();
    await turn();
    const closing = it.return();
    const closing2 = it.return();
    await turn();
    assert.equal(it.releases, 0, 'release waits for the step in flight');
    it.open();
    assert.deepEqual(await pending, { done: true, value: undefined });
    await closing;
    await closing2;
    assert.equal(it.releases, 1);
    assert.equal(it.releasedWhileRunning, false);
    assert.deepEqual(it.interrupts, [false]);
    assert.deepEqual(await it.next(), { done: true, value: undefined });
    assert.equal(it.steps, 1, 'no step after close');
  });

  test('throw() closes once and rejects with its argument; idempotent', async () => {
    const it = new Gated();
    await assert.rejects(it.throw(new Error('a')), /a/);
    await assert.rejects(it.throw(new Error('b')), /b/);
    assert.equal(it.releases, 1);
  });

  test('the natural end releases before the last next() resolves', async () => {
    const it = new Gated();
    for (let i = 0; i < 4; i++) {
      const p = it.next();
      await turn();
      it.open();
      const r = await p;
      assert.equal(r.done, i === 3);
    }
    assert.equal(it.releases, 1);
    await it.return();
    assert.equal(it.releases, 1);
  });

  test('first error wins: a failing release never replaces the step error, and still runs', async () => {
    const it = new Gated();
    it.failStep = new Error('step failed');
    it.failRelease = new Error('release failed');
    const p = it.next();
    await turn();
    it.open();
    await assert.rejects(p, /step failed/);
    assert.equal(it.releases, 1);
    assert.deepEqual(await it.next(), { done: true, value: undefined });
  });

  test('a failing release with no earlier error reaches return()', async () => {
    const it = new Gated();
    it.failRelease = new Error('release failed');
    await assert.rejects(it.return(), /release failed/);
  });

  test('abort mid-step: next() rejects at once with AbortError (cause = reason), listener removed, release after the step', async () => {
    const ac = new AbortController();
    const it = new Gated(ac.signal);
    assert.equal(getEventListeners(ac.signal, 'abort').length, 1);
    const pending = it.next();
    await turn();
    const reason = new Error('stop');
    ac.abort(reason);
    const err = await pending.then(() => assert.fail('expected a rejection'), (e: unknown) => e);
    assert.ok(err instanceof AbortError);
    assert.equal(err.name, 'AbortError');
    assert.equal(err.cause, reason);
    assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
    assert.deepEqual(it.interrupts, [true]);
    assert.equal(it.releases, 0, 'the step is still running');
    it.open();
    await turn();
    assert.equal(it.releases, 1);
    await assert.rejects(it.next(), AbortError);
    await it.return();
    assert.equal(it.releases, 1);
  });

  test('already aborted: the first next() rejects, no step runs, release runs once', async () => {
    const ac = new AbortController();
    ac.abort('why');
    const it = new Gated(ac.signal);
    await assert.rejects(it.next(), (e: unknown) => e instanceof AbortError && e.cause === 'why');
    await turn();
    assert.equal(it.steps, 0);
    assert.equal(it.releases, 1);
    assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
  });

  test('no listener left behind by many epochs that end, break or fail', async () => {
    const ac = new AbortController();
    for (let i = 0; i < 50; i++) {
      const it = new Gated(ac.signal);
      const p = it.next();
      await turn();
      if (i % 3 === 0) it.failStep = new Error('x');
      it.open();
      await p.catch(() => {});
      await it.return();
    }
    assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
  });
});

describe('ReadyQueue', () => {
  test('items in order, then the failure', async () => {
    const q = new ReadyQueue<number>();
    q.push(1);
    q.push(2);
    q.fail(new Error('boom'));
    const open = () => false;
    assert.equal(await q.take(open), 1);
    assert.equal(await q.take(open), 2);
    await assert.rejects(q.take(open), /boom/);
  });

  test('every waiter wakes on close', async () => {
    const q = new ReadyQueue<number>();
    let closed = false;
    const waits = [q.take(() => closed), q.take(() => closed), q.take(() => closed)];
    await turn();
    closed = true;
    q.clear();
    assert.deepEqual(await Promise.all(waits), [undefined, undefined, undefined]);
  });

  test('the end answers a waiter; onWait/afterWait bracket each wait', async () => {
    const q = new ReadyQueue<number>();
    const calls: string[] = [];
    const p = q.take(() => false, () => calls.push('wait'), () => calls.push('woke'));
    await turn();
    q.end();
    assert.equal(await p, undefined);
    assert.deepEqual(calls, ['wait', 'woke']);
  });
});
