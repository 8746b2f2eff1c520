// Where the training batches are loaded, decided while training runs: the main-thread
// loader starts at once (no worker to start); measured every second (HandOver,
// src/stats/autotune.ts), if training spends 10% or more of its time not in its own steps
// (waiting for batches, or loading on this thread between them), that share of the time
// left outweighs starting a worker, and a core is idle for one, a worker loader is opened at
// a position a little ahead and takes over exactly there. Both loaders give the same
// batches, so the model is the same whatever is decided.
import type { ChunkIterator, ColumnBatch, EpochState } from '../../src/index.js';
import { type AutotunePolicy, type AutotuneReport, HandOver } from '../../src/stats/autotune.js';
import type { PipelineStats } from '../../src/stats/model.js';
import { type StatsDataset, withStats } from '../../src/stats/track.js';
import type { Example } from './examples.js';

export type LoaderChoice = 'auto' | 'worker' | 'main';

/** The stream of batch groups training iterates, and its statistics. */
export interface LoaderRun {
  iterator: ChunkIterator<ColumnBatch<Example>>;
  /** Tells 'auto' how long a step of the consumer took (training, callbacks, evaluation, checkpoint): the rest of the time is the loader's. */
  trained(ms: number): void;
  /** Statistics of the loader that produced most of the batches. */
  stats(): PipelineStats;
  /** Which loader ran (for 'auto', what was decided and why). */
  loader(): { used: 'worker' | 'main' | 'main→worker'; reason: string };
}

/**
 * Opens the training stream from `from` with the chosen loader; `build(loader, from)`
 * makes the loader's Dataset (trainingBatches). `batches` per epoch, `remaining` batches
 * left in the stream.
 * @example
 * const run = openLoader('auto', (loader, at) => trainingBatches(…, { …, from: at, loader }), from, batches, remaining);
 */
export function openLoader(
  choice: LoaderChoice,
  build: (loader: 'worker' | 'main', from: EpochState) => import('../../src/index.js').Dataset<ColumnBatch<Example>>,
  from: EpochState,
  batches: number,
  remaining: number,
  policy: AutotunePolicy = {},
): LoaderRun {
  const timed = (loader: 'worker' | 'main', at: EpochState): StatsDataset<ColumnBatch<Example>> => withStats(build(loader, at), { source: loader === 'worker' ? 'background' : 'loader' });
  if (choice !== 'auto') {
    const ds = timed(choice, from);
    return { iterator: ds.source.open(0), trained: () => {}, stats: () => ds.stats(), loader: () => ({ used: choice, reason: `--loader ${choice}` }) };
  }
  const main = timed('main', from);
  let worker: StatsDataset<ColumnBatch<Example>> | undefined;
  let report: AutotuneReport | undefined;
  const iterator = new HandOver<ColumnBatch<Example>>(
    main.source.open(0),
    (at) => {
      const abs = from.epoch * batches + from.position + at;
      worker = timed('worker', { epoch: Math.floor(abs / batches), position: abs % batches });
      return worker.source.open(0);
    },
    { total: remaining, ...policy },
    (r) => (report = r),
  );
  return {
    iterator,
    trained: (ms) => iterator.consumerWork(ms),
    stats: () => {
      const m = main.stats();
      const w = worker?.stats();
      return w !== undefined && w.rows > m.rows ? w : m;
    },
    loader: () => ({ used: report?.chose === 'candidate' ? 'main→worker' : 'main', reason: report?.reason ?? 'the run ended before the first measurement' }),
  };
}
