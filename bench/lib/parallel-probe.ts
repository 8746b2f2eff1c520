// How much two busy threads get done here against one: on this project's 2-vCPU machines
// the answer varies with the host's load from ~1.0 (the two vCPUs share one core's time) to
// ~2.0, and a single thread runs up to 2× faster when it has the core to itself. A pipeline
// on two threads against a loop on one is read against this figure.
import { Worker } from 'node:worker_threads';
import { spread } from '../../cli/bench/stats.js';

/** A byte loop like a decoder's: integer work over a buffer in cache, for `ms`, counting passes. */
const SPIN = `
const { parentPort, workerData } = require('node:worker_threads');
const a = new Uint8Array(1 << 16);
for (let i = 0; i < a.length; i++) a[i] = (i * 31) & 255;
let x = 1, passes = 0;
const end = performance.now() + workerData;
while (performance.now() < end) { for (let i = 0; i < a.length; i++) x = (x * 31 + a[i]) | 0; passes++; }
parentPort.postMessage(passes + (x & 0));
`;

function spin(threads: number, ms: number): Promise<number> {
  const runs = Array.from({ length: threads }, () => {
    const w = new Worker(SPIN, { eval: true, workerData: ms });
    return new Promise<number>((resolve, reject) => {
      w.once('message', (n: number) => resolve(n));
      w.once('error', reject);
    }).finally(() => w.terminate());
  });
  return Promise.all(runs).then((counts) => counts.reduce((a, b) => a + b, 0));
}

/**
 * Work two concurrent spinning threads get done ÷ work one gets done alone, in the same
 * time (median of `rounds` alternating pairs), and one thread's passes a second.
 * @example
 * const { twoOverOne } = await parallelCapacity(); // 1.9: two real cores; 1.1: about one
 */
export async function parallelCapacity(ms = 600, rounds = 3): Promise<{ twoOverOne: number; onePerSecond: number }> {
  const ratios: number[] = [];
  const ones: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const one = await spin(1, ms);
    const two = await spin(2, ms);
    ratios.push(two / one);
    ones.push((one * 1000) / ms);
  }
  return { twoOverOne: spread(ratios).median, onePerSecond: spread(ones).median };
}
