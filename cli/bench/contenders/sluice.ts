// The sluice contenders: csv (either engine, or its Arrow cache) → shuffle → batch → tensors,
// and the pipelines README recommends for training (block shuffle, worker decoding).
import type { ColumnBatch } from '../../../src/chunk.js';
import type { ContenderArgs, ContenderResult } from './contender.js';
import { csvFormat } from '../protocol.js';
import type { Dataset } from '../../../src/dataset.js';
import { csvParallel } from '../../../src/csv/parallel.js';
import { csv } from '../../../src/csv/reader.js';
import { shuffledCsv } from '../../../src/csv/shuffled.js';
import { withStats } from '../../../src/stats/track.js';
import { batchToTensors, useCpu } from './tensors.js';

type Rows = Dataset<Record<string, number>>;

function source(args: ContenderArgs, engine: 'fast' | 'general'): Rows {
  return csv(args.file, { ...csvFormat(args), columns: args.columns, engine });
}

/**
 * The pipeline a contender built on its first call with these arguments in this process,
 * built by `build` then: the warm-up epochs (ContenderArgs.warmup) and the timed one are
 * epochs of one pipeline, as a training run's epochs are.
 */
const built = new Map<string, AsyncIterable<ColumnBatch>>();
function kept(name: string, args: ContenderArgs, build: () => AsyncIterable<ColumnBatch>): AsyncIterable<ColumnBatch> {
  const key = keyOf(name, args);
  let pipeline = built.get(key);
  if (pipeline === undefined) built.set(key, (pipeline = build()));
  return pipeline;
}
const keyOf = (name: string, args: ContenderArgs): string => JSON.stringify([name, args.file, args.columns, args.batch, args.shuffle, args.seed, args.cachePath, args.delimiter, args.names]);

/** One timed epoch of `rows → shuffle → batch → tensors`, stopped early by the time budget. */
function epoch(name: string, rows: () => Rows, args: ContenderArgs, stats = false): Promise<ContenderResult> {
  return timed(
    kept(name, args, () => {
      const pipeline = rows().shuffle(args.shuffle, { seed: args.seed }).batch(args.batch);
      return stats ? withStats(pipeline) : pipeline;
    }),
    args,
  );
}

/** Times one epoch of `batches` → tensors (opening the epoch included), stopped early by the time budget. */
async function timed(batches: AsyncIterable<ColumnBatch>, args: ContenderArgs): Promise<ContenderResult> {
  await useCpu();
  const faults = process.resourceUsage().minorPageFault;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + args.budgetS * 1000;
  let count = 0;
  let complete = true;
  for await (const b of batches) {
    batchToTensors(b);
    count += b.size;
    if (performance.now() > deadline) {
      complete = false;
      break;
    }
  }
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  return { rows: count, seconds, complete, cpuSeconds: (used.user + used.system) / 1e6, pageFaults: process.resourceUsage().minorPageFault - faults };
}

/**
 * `sluice-fast`: the fast (byte-loop, columnar) CSV engine through the whole pipeline.
 * @example
 * await sluiceFast({ file, batch: 1024, shuffle: 10000, seed: 1, budgetS: 30, columns: DEFAULT_COLUMNS });
 */
export function sluiceFast(args: ContenderArgs): Promise<ContenderResult> {
  return epoch('sluice-fast', () => source(args, 'fast'), args);
}

/**
 * `sluice-stats`: `sluice-fast` with per-stage statistics on (`withStats`): what they cost.
 * @example
 * await sluiceStats({ file, batch: 1024, shuffle: 10000, seed: 1, budgetS: 30, columns: DEFAULT_COLUMNS });
 */
export function sluiceStats(args: ContenderArgs): Promise<ContenderResult> {
  return epoch('sluice-stats', () => source(args, 'fast'), args, true);
}

/**
 * `sluice-block`: the recommended training pipeline, `shuffledCsv` with its defaults (block
 * shuffle, 1 MiB blocks, 32 to a window, one worker thread where there are two CPUs) →
 * batch → tensors. The block shuffle needs no buffer, so `shuffle` is not used.
 * @example
 * await sluiceBlock({ file, batch: 1024, shuffle: 10000, seed: 1, budgetS: 30, columns: DEFAULT_COLUMNS });
 */
export function sluiceBlock(args: ContenderArgs): Promise<ContenderResult> {
  return timed(kept('sluice-block', args, () => shuffledCsv(args.file, { ...csvFormat(args), columns: args.columns, shuffle: { seed: args.seed } }).batch(args.batch)), args);
}

/**
 * `sluice-parallel`: `csvParallel` (2 worker threads decode byte ranges, file order) →
 * shuffle → batch → tensors.
 * @example
 * await sluiceParallel({ file, batch: 1024, shuffle: 10000, seed: 1, budgetS: 30, columns: DEFAULT_COLUMNS });
 */
export function sluiceParallel(args: ContenderArgs): Promise<ContenderResult> {
  return epoch('sluice-parallel', () => csvParallel<Record<string, number>>(args.file, { ...csvFormat(args), columns: args.columns, workers: 2 }), args);
}

/**
 * `sluice-general`: the general (fast-csv based, row objects) CSV engine through the whole pipeline.
 * @example
 * await sluiceGeneral({ file, batch: 1024, shuffle: 10000, seed: 1, budgetS: 30, columns: DEFAULT_COLUMNS });
 */
export function sluiceGeneral(args: ContenderArgs): Promise<ContenderResult> {
  return epoch('sluice-general', () => source(args, 'general'), args);
}

/**
 * `sluice-cache`: an epoch read from the Arrow cache of the file. The cache is built (or
 * checked) by an untimed first epoch, so only the cached epoch is timed; the process's peak
 * RSS includes that first epoch.
 * @example
 * await sluiceCache({ file, batch: 1024, shuffle: 10000, seed: 1, budgetS: 30, columns: DEFAULT_COLUMNS, cachePath: '/tmp/c.arrow' });
 */
export async function sluiceCache(args: ContenderArgs): Promise<ContenderResult> {
  const cached = source(args, 'fast').cache(args.cachePath);
  if (!built.has(keyOf('sluice-cache', args))) await cached.count();
  return epoch('sluice-cache', () => cached, args);
}
