import type { ChunkSource, ColumnsOf } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { checkInt, checkFunction, describe, OptionError } from '../errors.js';
import { checkOptionNames } from '../options.js';
import { StatsCollector, type StageExtras } from './collector.js';
import type { PipelineStats } from './model.js';

export interface StatsOptions {
  /** Called every `interval` milliseconds while an epoch is open, and once as each epoch ends. */
  onStats?: (stats: PipelineStats) => void;
  /** Milliseconds between `onStats` calls. Default 1000. */
  interval?: number;
  /** The source stage's name. Default: 'csv' for `csv()`, 'background' for `background()`, else 'source'. */
  source?: string;
}

const OPTION_NAMES = ['onStats', 'interval', 'source'] as const;

/** A Dataset whose stages are timed: `stats()` gives their figures so far. */
export class StatsDataset<T, C = ColumnsOf<T>> extends Dataset<T, C> {
  constructor(
    source: ChunkSource<T>,
    private readonly collector: StatsCollector,
  ) {
    super(source);
  }

  /** Per-stage figures and the bottleneck, over the time an epoch was open (also during one). */
  stats(): PipelineStats {
    return this.collector.snapshot();
  }
}

/**
 * The same recipe with every stage timed at chunk granularity (two clock reads per chunk
 * per stage): rows and chunks out, time producing, waiting on upstream and waiting on the
 * consumer, buffer fill, bytes read, and a bottleneck line. The chain is rebuilt with a
 * probe between stages; `ds` itself stays untimed, so statistics off costs nothing.
 * Stages built by Dataset methods are seen one by one; a hand-made source is one stage.
 * @example
 * import { csv, withStats } from 'sluice';
 * const ds = withStats(csv('ratings.csv').shuffle(10_000).batch(1024), { onStats: (s) => console.log(s.bottleneck.line) });
 * for await (const batch of ds) void batch;
 * console.log(ds.stats().stages.map((s) => `${s.stage}: ${(s.producing * 100).toFixed(0)}%`));
 */
export function withStats<T, C = ColumnsOf<T>>(ds: Dataset<T, C>, options: StatsOptions = {}): StatsDataset<T, C> {
  checkStatsOptions(options);
  const collector = new StatsCollector(options.onStats, options.interval ?? 1000);
  const source = rebuild(ds as Dataset<unknown, unknown>, collector, options.source) as ChunkSource<T>;
  return new StatsDataset<T, C>(source, collector);
}

/** The chain under `ds`, source first, each stage probed. */
function rebuild(ds: Dataset<unknown, unknown>, collector: StatsCollector, sourceName: string | undefined): ChunkSource<unknown> {
  const lineage = ds.lineage;
  if (lineage === undefined) return collector.add(sourceName ?? nameOf(ds), ds.source, undefined, extrasOf(ds));
  const upstream = rebuild(lineage.parent, collector, sourceName);
  return collector.add(lineage.stage, lineage.build(upstream), lineage.buffer);
}

function nameOf(ds: Dataset<unknown, unknown>): string {
  if (ds.constructor.name === 'CsvDataset') return 'csv';
  const named = (ds.source as { stageName?: unknown }).stageName;
  if (typeof named === 'string') return named;
  if (ds.source.constructor.name === 'BackgroundSource') return 'background';
  return 'source';
}

/** csv() keeps `stats.bytes` of its current (or last) epoch. */
function extrasOf(ds: Dataset<unknown, unknown>): StageExtras {
  const stats = (ds as { stats?: { bytes?: unknown; engine?: unknown } }).stats;
  if (stats !== undefined && typeof stats === 'object' && typeof stats.bytes === 'number') {
    return { bytes: () => stats.bytes as number, engine: () => (typeof stats.engine === 'string' ? stats.engine : undefined) };
  }
  return {};
}

function checkStatsOptions(options: StatsOptions): void {
  checkOptionNames('withStats', options, OPTION_NAMES);
  if (options.onStats !== undefined) checkFunction('withStats', 'onStats', options.onStats);
  if (options.interval !== undefined) checkInt('withStats', 'interval', options.interval, 1);
  if (options.source !== undefined && typeof options.source !== 'string') throw new OptionError(`withStats: source must be a string, got ${describe(options.source)}`);
}
