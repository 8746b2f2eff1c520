// 1,000 early breaks spread over every source and lifecycle stage (test/helpers/subjects.ts):
// reports the file descriptors, threads and active handles gained (must be 0 each).
// Run: node --import tsx bench/early-breaks.ts [total=1000]
import { resources, settledGain } from '../test/helpers/resources.js';
import { makeSubjects } from '../test/helpers/subjects.js';

const total = Number(process.argv[2] ?? 1000);
const fixtures = await makeSubjects();
const entries = Object.entries(fixtures.subjects);
const datasets = entries.map(([name, make]) => [name, make()] as const);
// Warm: one epoch of each, so threads that a dataset keeps between epochs exist before counting.
for (const [, ds] of datasets) for await (const _ of ds) break;
const start = resources();
let breaks = 0;
const perSubject = new Map<string, number>();
for (let i = 0; breaks < total; i++) {
  const [name, ds] = datasets[i % datasets.length]!;
  let n = 0;
  for await (const _ of ds) if (++n === 2) break;
  breaks++;
  perSubject.set(name, (perSubject.get(name) ?? 0) + 1);
}
const gained = await settledGain(start);
fixtures.cleanup();
console.log(JSON.stringify({ breaks, subjects: entries.length, perSubject: Object.fromEntries(perSubject), before: start, gained }, null, 1));
if (gained.fds > 0 || gained.threads > 0 || gained.handles > 0) process.exitCode = 1;
