import type { ChunkSource } from '../chunk.js';
import { findBottleneck } from './bottleneck.js';
import type { PipelineStats, StageStats } from './model.js';
import { probe, StageCounter } from './probe.js';
import type { WorkerStage, WorkerStats } from './threads.js';

/** Where a stage's figures beyond the counters come from (bytes read, workers). */
export interface StageExtras {
  bytes?: () => number;
  engine?: () => string | undefined;
  workers?: () => WorkerStats | undefined;
}

/**
 * The figures of one instrumented chain: a counter per stage, the time an epoch was open,
 * and an optional `onStats` timer that runs only while an epoch is open (unref'd).
 */
export class StatsCollector {
  private readonly counters: StageCounter[] = [];
  private readonly extras: StageExtras[] = [];
  private activeMs = 0;
  private openSince = 0;
  private openEpochs = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly onStats?: (stats: PipelineStats) => void,
    private readonly interval = 1000,
  ) {}

  /** `source` as the next stage of the chain (the first one added is the source). */
  add<T>(stage: string, source: ChunkSource<T>, buffer?: number, extras: StageExtras = {}): ChunkSource<T> {
    const counter = new StageCounter(stage, this.counters.length, buffer);
    const up = this.counters[this.counters.length - 1];
    if (up !== undefined) {
      counter.upstream = up;
      up.downstream = counter;
    }
    this.counters.push(counter);
    // A stage on worker threads reports them (csvParallel, shuffledCsv, mapParallel, background).
    const threads = (source as Partial<WorkerStage>).workerStats;
    this.extras.push(threads === undefined || extras.workers !== undefined ? extras : { ...extras, workers: () => threads.call(source) });
    // Only the last stage's epochs time the run: the chain is built source first, so the
    // callback asks whether this counter is still the last when an epoch opens or ends.
    return probe(source, counter, (delta) => {
      if (counter === this.counters[this.counters.length - 1]) this.epoch(delta);
    });
  }

  /** The figures now (an epoch may be open). */
  snapshot(): PipelineStats {
    const now = performance.now();
    for (const c of this.counters) c.settle(now);
    const seconds = (this.activeMs + (this.openEpochs > 0 ? now - this.openSince : 0)) / 1000;
    const wall = Math.max(seconds * 1000, 1e-9);
    const stages: StageStats[] = this.counters.map((c, i) => {
      const busy = Math.min(wall, c.busyAt(now));
      const up = Math.min(busy, c.waitingUpstreamMs);
      const s: StageStats = {
        stage: c.stage,
        index: c.index,
        rows: c.rows,
        chunks: c.chunks,
        producingSeconds: (busy - up) / 1000,
        waitingUpstreamSeconds: up / 1000,
        waitingConsumerSeconds: (wall - busy) / 1000,
        producing: (busy - up) / wall,
        waitingUpstream: up / wall,
        waitingConsumer: (wall - busy) / wall,
      };
      if (c.buffer !== undefined) s.buffer = { capacity: c.buffer, unit: c.stage === 'prefetch' ? 'chunks' : 'rows', meanFill: c.fillSamples > 0 ? c.fillSum / c.fillSamples : 0 };
      const extra = this.extras[i]!;
      if (extra.bytes !== undefined) s.bytes = extra.bytes();
      const engine = extra.engine?.();
      if (engine !== undefined) s.engine = engine;
      const workers = extra.workers?.();
      if (workers !== undefined) s.workers = workers;
      return s;
    });
    const last = stages[stages.length - 1];
    const rows = last?.rows ?? 0;
    return {
      seconds,
      rows,
      rowsPerSecond: seconds > 0 ? rows / seconds : 0,
      consumerWait: last === undefined ? 0 : last.producing + last.waitingUpstream,
      stages,
      bottleneck: findBottleneck(stages),
    };
  }

  private epoch(delta: 1 | -1): void {
    const now = performance.now();
    if (delta === 1 && this.openEpochs++ === 0) {
      this.openSince = now;
      if (this.onStats !== undefined) {
        this.timer = setInterval(() => this.onStats!(this.snapshot()), this.interval);
        this.timer.unref();
      }
    } else if (delta === -1 && --this.openEpochs === 0) {
      this.activeMs += now - this.openSince;
      clearInterval(this.timer);
      this.timer = undefined;
      this.onStats?.(this.snapshot());
    }
  }
}
