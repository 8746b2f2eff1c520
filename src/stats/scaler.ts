// `workers: 'auto'` and `concurrency: 'auto'`: a feedback loop on the consumer's waiting.
// A stage starts with one worker; after every AUTO_WINDOW chunks handed out, when its
// consumer waited on it more than AUTO_MIN_WAIT of that time and the budget (CPUs beside the
// consumer's, and memory) has room, one more worker starts. Only who produces changes, never
// what: each stage places its output by position (ranges in file order, chunks in input
// order, blocks by seeded draws), so the elements and their order never depend on timing.
// The count learned is kept by the dataset: its next epoch starts with it.
import os from 'node:os';
import type { Chunk, ChunkIterator } from '../chunk.js';
import { PassThrough } from '../pass-through.js';

/** Chunks handed out between two decisions. */
export const AUTO_WINDOW = 8;
/** Share of a window the consumer must have waited for one more worker. */
export const AUTO_MIN_WAIT = 0.2;

/**
 * What decides. Tests replace `decide` (and `cpus`) to force other decisions and check
 * that the output stays the same; nothing else should.
 */
export const scaling = {
  /** Threads the machine can give beside the consumer's (0 on one CPU). */
  cpus: (): number => os.availableParallelism() - 1,
  freeMemory: (): number => os.freemem(),
  /** Whether to start one more worker, from the consumer's waiting share over the last window. */
  decide: (waitShare: number, count: number, budget: number): boolean => count < budget && waitShare > AUTO_MIN_WAIT,
};

/** The most workers the budget allows: the CPUs beside the consumer's, and a quarter of the free memory at `bytesPerWorker` each. */
export function workerBudget(bytesPerWorker: number): number {
  return Math.max(1, Math.min(scaling.cpus(), Math.floor(scaling.freeMemory() / 4 / bytesPerWorker)));
}

/**
 * The worker count of one 'auto' stage, across its epochs. `watch(it, add)` times the
 * consumer's pulls on one epoch's iterator (two clock reads a chunk) and calls `add()` each
 * time it decides for one more worker (internal: the stages with an 'auto' count use it).
 */
export class WorkerScaler {
  /** Workers to start an epoch with (what the last epoch ended with). */
  count = 1;

  constructor(readonly budget: number) {}

  watch<T>(it: ChunkIterator<T>, add: () => void): ChunkIterator<T> {
    return new WatchedEpoch(it, this, add);
  }
}

/** An epoch's iterator whose consumer's waits (from each next() to its chunk) WorkerScaler weighs. */
class WatchedEpoch<T> extends PassThrough<T> {
  private waitMs = 0;
  private chunks = -1; // the first chunk's wait is start-up: the window opens after it
  private windowStart = 0;
  private asked = 0;

  constructor(
    it: ChunkIterator<T>,
    private readonly scaler: WorkerScaler,
    private readonly add: () => void,
  ) {
    super(it);
  }

  protected override asking(): void {
    this.asked = performance.now();
  }

  protected override seen(chunk: Chunk<T> | undefined): void {
    if (chunk !== undefined) this.handed(this.asked);
  }

  private handed(asked: number): void {
    const now = performance.now();
    if (this.chunks < 0) {
      this.chunks = 0;
      this.windowStart = now;
      return;
    }
    this.waitMs += now - asked;
    if (++this.chunks < AUTO_WINDOW) return;
    const share = this.waitMs / Math.max(now - this.windowStart, 1e-9);
    const { scaler } = this;
    if (scaler.count < scaler.budget && scaling.decide(share, scaler.count, scaler.budget)) {
      scaler.count++;
      this.add();
    }
    this.chunks = 0;
    this.waitMs = 0;
    this.windowStart = now;
  }
}
