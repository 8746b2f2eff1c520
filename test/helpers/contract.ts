// The lifecycle contract's three cases for one subject, for every suite that checks a
// source or stage against it (test/stages/contract-lifecycle.slow.test.ts, the feature
// transforms): return() while a next() is in flight, .prefetch(1) aborted mid-stream, and
// early breaks that leave no file descriptor, thread or active handle behind.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AbortError, type Dataset } from '../../src/index.js';
import { resources, settledGain } from './resources.js';

/** 'settled' or 'hung' after `ms`: a hang detector, not a timing assertion. */
export function settles(p: Promise<unknown>, ms = 20_000): Promise<'settled' | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((r) => (timer = setTimeout(r, ms, 'hung')));
  return Promise.race([p.then(() => 'settled' as const, () => 'settled' as const), hung]).finally(() => clearTimeout(timer));
}

/** Registers the three contract tests for `name`, each over a fresh `make()`. */
export function lifecycleContract(name: string, make: () => Dataset<unknown, unknown>, breaks: number): void {
  test(`${name}: return() while next() is in flight settles both; next() after it answers done`, async () => {
    const it = make().chunks()[Symbol.asyncIterator]();
    const pending = it.next();
    const closing = it.return!();
    assert.equal(await settles(pending), 'settled');
    assert.equal(await settles(closing), 'settled');
    assert.deepEqual(await it.next(), { done: true, value: undefined });
  });

  test(`${name}: .prefetch(1) aborted mid-stream rejects with AbortError (cause = reason)`, async () => {
    const ac = new AbortController();
    const reason = new Error('stop');
    let seen = 0;
    const run = make().prefetch(1).forEach(() => {
      if (++seen === 3) ac.abort(reason);
    }, { signal: ac.signal });
    await assert.rejects(run, (e: unknown) => e instanceof AbortError && e.cause === reason);
    // The chunk in hand is finished (one await per chunk); no chunk is read after the abort.
    assert.ok(seen >= 3);
  });

  test(`${name}: ${breaks} early breaks leave no fd, thread or handle behind`, async () => {
    const ds = make();
    for await (const _ of ds) break; // warm the threads a dataset keeps between its epochs
    const start = resources();
    for (let i = 0; i < breaks; i++) {
      let n = 0;
      for await (const _ of ds) if (++n === 2) break;
    }
    assert.deepEqual(await settledGain(start), { fds: 0, threads: 0, handles: 0 });
  });
}
