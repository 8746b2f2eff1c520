// The lifecycle contract, for every source and every stage with a lifecycle of its own:
// return() while a next() is in flight, .prefetch(1) aborted mid-stream, and many early
// breaks that leave no file descriptor, thread or active handle behind.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AbortError, type Dataset } from '../../src/index.js';
import { resources, settledGain } from '../helpers/resources.js';
import { makeSubjects, SUBJECT_NAMES, type Subjects } from '../helpers/subjects.js';

/** 'settled' or 'hung' after `ms`: a hang detector, not a timing assertion. */
function settles(p: Promise<unknown>, ms = 20_000): Promise<'settled' | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((r) => (timer = setTimeout(r, ms, 'hung')));
  return Promise.race([p.then(() => 'settled' as const, () => 'settled' as const), hung]).finally(() => clearTimeout(timer));
}

let fixtures: Subjects;
before(async () => {
  fixtures = await makeSubjects();
});
after(() => fixtures.cleanup());

// Early breaks per subject here (bench/early-breaks.ts runs 1,000 over all of them). A
// mapParallel epoch starts its worker pool (a thread loading TypeScript under tsx): fewer.
const BREAKS: Partial<Record<string, number>> = { mapParallel: 3 };
const DEFAULT_BREAKS = 5;

test('every subject is in the contract', () => {
  assert.deepEqual(Object.keys(fixtures.subjects), [...SUBJECT_NAMES]);
});

describe('lifecycle contract', () => {
  for (const name of SUBJECT_NAMES) {
    const breaks = BREAKS[name] ?? DEFAULT_BREAKS;
    const make = (): Dataset<unknown, unknown> => fixtures.subjects[name]!();

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
});
