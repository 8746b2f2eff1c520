// What `stats()` returns: plain, JSON-ready figures (seconds and fractions of the run).
import type { WorkerStats } from './threads.js';

/** One stage's figures over the time its pipeline had an epoch open. */
export interface StageStats {
  /** The stage's name: 'csv', 'map', 'shuffle', 'batch', 'prefetch', … (the source first). */
  stage: string;
  /** Position in the chain, 0 for the source. */
  index: number;
  /** Elements out (rows, or batches after `batch`) and chunks out. */
  rows: number;
  chunks: number;
  /** Seconds its consumer waited on it while it worked itself (not waiting on upstream). */
  producingSeconds: number;
  /** Seconds its consumer waited on it while it waited on its own upstream. */
  waitingUpstreamSeconds: number;
  /** Seconds no one waited on it: it (or its buffer) waited on its consumer. */
  waitingConsumerSeconds: number;
  /** The same three as fractions of the pipeline's seconds (they add up to 1). */
  producing: number;
  waitingUpstream: number;
  waitingConsumer: number;
  /** Stages with a buffer: its bound and mean fill seen at each pull (prefetch: chunks, shuffle: rows). */
  buffer?: { capacity: number; unit: 'chunks' | 'rows'; meanFill: number };
  /** Sources that read bytes (csv): bytes read (csv: in its current or last epoch). */
  bytes?: number;
  /** csv: the engine that decoded ('fast' or 'general'). */
  engine?: string;
  /**
   * Stages with worker threads (csvParallel, shuffledCsv, mapParallel, background): how
   * many, busy time ÷ wall time over all of them and per worker, and the budget of 'auto'.
   */
  workers?: WorkerStats;
}

/** The stage that limits the pipeline, and what to change. */
export interface Bottleneck {
  /** The limiting stage's name, or 'consumer' when the pipeline mostly waits on its consumer. */
  stage: string;
  /** Share of the run the consumer waited on that stage (for 'consumer': the share the pipeline sat idle). */
  fraction: number;
  /** What to change. */
  advice: string;
  /** The one-line report, e.g. "the consumer waits on `csv` 62% of the time: use `workers: 2`". */
  line: string;
}

/** A pipeline's figures, during or after an epoch. */
export interface PipelineStats {
  /** Seconds with an epoch open. */
  seconds: number;
  /** Elements out of the last stage, and per second. */
  rows: number;
  rowsPerSecond: number;
  /** Share of the time the consumer waited on the pipeline. */
  consumerWait: number;
  /** From the source to the last stage. */
  stages: StageStats[];
  bottleneck: Bottleneck;
}

/** A fixed-width table of the stages, one line each (for terminals). */
export function formatStats(stats: PipelineStats): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);
  const head = `${'stage'.padEnd(14)}${'rows'.padStart(12)}${'chunks'.padStart(9)}${'producing'.padStart(10)}${'wait up'.padStart(9)}${'wait down'.padStart(10)}  extra`;
  const lines = stats.stages.map((s) => {
    const extra: string[] = [];
    if (s.buffer !== undefined) extra.push(`buffer ${s.buffer.meanFill.toFixed(1)}/${s.buffer.capacity} ${s.buffer.unit}`);
    if (s.bytes !== undefined) extra.push(`${(s.bytes / 2 ** 20).toFixed(1)} MiB read`);
    if (s.workers !== undefined) extra.push(`${s.workers.count} workers ${(s.workers.utilisation * 100).toFixed(0)}% busy`);
    return `${s.stage.padEnd(14)}${s.rows.toLocaleString('en').padStart(12)}${String(s.chunks).padStart(9)}${pct(s.producing)}  ${pct(s.waitingUpstream)}  ${pct(s.waitingConsumer)}   ${extra.join(', ')}`;
  });
  const read = stats.stages[0]?.rows ?? 0;
  const total = `${read.toLocaleString('en')} rows read, ${stats.rows.toLocaleString('en')} out in ${stats.seconds.toFixed(2)} s (${Math.round(read / Math.max(stats.seconds, 1e-9)).toLocaleString('en')} rows/s); the consumer waited ${(stats.consumerWait * 100).toFixed(1)}% of the time`;
  return [head, ...lines, total, stats.bottleneck.line].join('\n');
}
