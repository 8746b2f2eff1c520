// The lifecycle contract, for every source and every stage with a lifecycle of its own:
// return() while a next() is in flight, .prefetch(1) aborted mid-stream, and many early
// breaks that leave no file descriptor, thread or active handle behind.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Dataset } from '../../src/index.js';
import { lifecycleContract } from '../helpers/contract.js';
import { makeSubjects, SUBJECT_NAMES, type Subjects } from '../helpers/subjects.js';

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

    lifecycleContract(name, make, breaks);
  }
});
