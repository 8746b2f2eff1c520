// The csv worker's threads, shared by every csvParallel and shuffledCsv epoch of the process.
import type { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { StreamTask, WindowTask } from './worker-tasks.js';
import { workerUrl } from '../worker-url.js';

const WORKER = workerUrl('csv-worker');

/**
 * Pools by thread count, shared by every csvParallel epoch of the process: a thread starts
 * once (loading the decoder is most of a short epoch's cost) and serves the epochs that
 * follow. An idle thread is unref'd (it never keeps the process alive) and exits after
 * IDLE_MS; an epoch left early aborts its tasks, which ends the threads running them.
 */
const pools = new Map<number, Piscina>();
const IDLE_MS = 30_000;

function sharedPool(workers: number): Piscina {
  let pool = pools.get(workers);
  if (pool === undefined) {
    pool = new Piscina({ filename: WORKER, minThreads: 0, maxThreads: workers, concurrentTasksPerWorker: 1, idleTimeout: IDLE_MS });
    pool.on('error', () => undefined); // reported through the task that was running
    pools.set(workers, pool);
  }
  return pool;
}

/** Runs one task of the csv worker (a range or a shuffle window) on the shared threads. */
export function runCsvTask<R>(task: WindowTask | StreamTask, workers: number, signal?: AbortSignal, transferList?: ArrayBuffer[]): Promise<R> {
  return sharedPool(workers).run(task, { ...(signal === undefined ? {} : { signal }), ...(transferList === undefined ? {} : { transferList }) }) as Promise<R>;
}


/** The threads of the shared pool of `workers` threads now (for worker utilisation). */
export function csvThreads(workers: number): readonly Worker[] | undefined {
  return pools.get(workers)?.threads;
}
