// Worker utilisation: the share of each worker thread's time spent running, read from this
// thread as the utilisation of the worker's event loop (time in callbacks, a task included,
// against time idle: waiting for a read, for room ahead of the consumer, or for a task).
// Read when figures are asked for and as an epoch ends, never per chunk.
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { ChunkIterator } from '../chunk.js';
import { PassThrough } from '../pass-through.js';

/** A worker stage's threads over the epochs measured. */
export interface WorkerStats {
  /** Threads of the current (or last) epoch. */
  count: number;
  /** Busy time ÷ wall time of the threads, over every epoch measured (0…1). */
  utilisation: number;
  /** Busy time ÷ wall time of each thread of the current (or last) epoch. */
  perWorker: number[];
  /** For `workers: 'auto'` / `concurrency: 'auto'`: the most threads it may use (the CPU and memory budget). */
  budget?: number;
}

/** A source or stage whose work runs on worker threads: `withStats` names it and reports its threads. */
export interface WorkerStage {
  readonly stageName: string;
  workerStats(): WorkerStats | undefined;
}

interface Track {
  /** The reading when the epoch began (undefined: the thread started during the epoch). */
  base: EventLoopUtilization | undefined;
  last: EventLoopUtilization | undefined;
}

/**
 * Busy share of a pool's threads over the epochs of one source: `epoch(it)` wraps each
 * epoch's iterator; `threads` lists the pool's threads now (piscina's `pool.threads`). A
 * thread that has exited reads as zeros: its last reading is kept, so call `refresh()`
 * before ending a pool.
 */
export class ThreadMeter {
  private open = 0;
  private tracks = new Map<Worker, Track>();
  private pastBusy = 0;
  private pastWall = 0;
  budget: number | undefined;

  constructor(private readonly threads: () => readonly Worker[] | undefined) {}

  /** `it` with this meter's epoch begun now and ended when it is done, fails or is returned. */
  epoch<T>(it: ChunkIterator<T>): ChunkIterator<T> {
    this.begin();
    return new MeteredEpoch(it, () => this.end());
  }

  /** Reads every thread of the pool now (a new thread is measured from its start). */
  refresh(): void {
    for (const w of this.threads() ?? []) if (!this.tracks.has(w)) this.tracks.set(w, { base: undefined, last: undefined });
    for (const [w, t] of this.tracks) {
      const now = w.performance.eventLoopUtilization();
      if (t.last === undefined || now.active + now.idle >= t.last.active + t.last.idle) t.last = now;
    }
  }

  /** The figures so far (undefined before any epoch). */
  stats(): WorkerStats | undefined {
    if (this.open > 0) this.refresh();
    else if (this.tracks.size === 0 && this.pastWall === 0) return undefined;
    const per = [...this.tracks.values()].map(figures);
    const busy = (this.open > 0 ? per.reduce((n, p) => n + p.busy, 0) : 0) + this.pastBusy;
    const wall = (this.open > 0 ? per.reduce((n, p) => n + p.wall, 0) : 0) + this.pastWall;
    const out: WorkerStats = { count: per.length, utilisation: wall > 0 ? busy / wall : 0, perWorker: per.map((p) => (p.wall > 0 ? p.busy / p.wall : 0)) };
    if (this.budget !== undefined) out.budget = this.budget;
    return out;
  }

  private begin(): void {
    if (this.open++ > 0) return;
    this.tracks = new Map();
    for (const w of this.threads() ?? []) {
      const now = w.performance.eventLoopUtilization();
      this.tracks.set(w, { base: now, last: now });
    }
  }

  private end(): void {
    if (--this.open > 0) return;
    this.refresh();
    for (const t of this.tracks.values()) {
      const { busy, wall } = figures(t);
      this.pastBusy += busy;
      this.pastWall += wall;
    }
  }
}

function figures(t: Track): { busy: number; wall: number } {
  if (t.last === undefined) return { busy: 0, wall: 0 };
  const base = t.base ?? { active: 0, idle: 0 };
  return { busy: Math.max(0, t.last.active - base.active), wall: Math.max(0, t.last.active + t.last.idle - base.active - base.idle) };
}

/** An epoch's iterator that ends the meter's epoch once, when it is done, fails or is returned. */
class MeteredEpoch<T> extends PassThrough<T> {
  constructor(
    it: ChunkIterator<T>,
    private readonly onEnd: () => void,
  ) {
    super(it);
  }

  protected override ended(): void {
    this.onEnd();
  }
}
