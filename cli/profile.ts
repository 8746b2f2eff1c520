import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from './command.js';
import { numberOption, parseCommandArgs } from './command.js';
import { OptionError } from '../src/errors.js';
import { csv } from '../src/csv/reader.js';
import type { Dataset } from '../src/dataset.js';
import { formatStats, type PipelineStats } from '../src/stats/model.js';
import { withStats } from '../src/stats/track.js';
import { progress } from './progress.js';

const HELP = `sluice profile FILE|MODULE [--seconds 10] [--shuffle 10000] [--batch 1024] [--export NAME] [--json OUT]

Runs a pipeline for up to --seconds (or one epoch, whichever ends first) with per-stage
statistics on, and prints a table of its stages — rows and chunks out, the share of the
time each spent producing, waiting on its upstream and waiting on its consumer, buffer
fill, bytes read — and one line naming the bottleneck and what to change.
  FILE          a CSV file (plain, .gz or a URL): profiles csv(FILE) → shuffle → batch
  MODULE        a .js/.mjs/.ts module whose export (default, or --export NAME) is a
                Dataset or a function returning one: profiles that pipeline
  --seconds N   stop after N seconds (default 10)
  --shuffle N   shuffle buffer rows for FILE (default 10000; 0: no shuffle)
  --batch N     batch size for FILE (default 1024)
  --consumer-ms X  wait X ms after each chunk, as a training step would (default 0)
  --json OUT    write { seconds, rows, rowsPerSecond, consumerWait, stages, bottleneck } to OUT`;

const MODULE_EXT = /\.(m|c)?(j|t)s$/;

export const command: Command = {
  summary: 'run a pipeline for a few seconds and show where the time goes, stage by stage',
  async run(argv) {
    const args = parseCommandArgs(
      argv,
      { seconds: { type: 'string' }, shuffle: { type: 'string' }, batch: { type: 'string' }, export: { type: 'string' }, json: { type: 'string' }, 'consumer-ms': { type: 'string' }, progress: { type: 'boolean' } },
      HELP,
    );
    if (args === undefined) return 0;
    const target = args.positionals[0];
    if (target === undefined || args.positionals.length > 1) throw new OptionError(`expected one FILE or MODULE\n\n${HELP}`);
    const seconds = numberOption('seconds', args.values.seconds, 10, 0.001);
    const consumerMs = numberOption('consumer-ms', args.values['consumer-ms'], 0, 0);
    const ds = MODULE_EXT.test(target)
      ? await loadPipeline(target, args.values.export ?? 'default')
      : filePipeline(target, numberOption('shuffle', args.values.shuffle, 10_000, 0), numberOption('batch', args.values.batch, 1024, 1));
    const stats = await profile(ds, { seconds, consumerMs, ...(args.values.progress === undefined ? {} : { progress: args.values.progress }) });
    process.stdout.write(formatStats(stats) + '\n');
    if (args.values.json !== undefined) await writeFile(args.values.json, JSON.stringify(stats, null, 2) + '\n');
    return 0;
  },
};

/**
 * Runs `ds` with statistics on for up to `seconds` (or one epoch), waiting `consumerMs`
 * after each chunk, and returns its figures.
 * @example
 * const stats = await profile(csv('ratings.csv').batch(1024), { seconds: 5 });
 */
export async function profile(ds: Dataset<unknown>, options: { seconds: number; consumerMs?: number; progress?: boolean }): Promise<PipelineStats> {
  const timed = withStats(ds);
  const deadline = performance.now() + options.seconds * 1000;
  const total = ds.size;
  const bar = progress({ label: 'profile', total, extra: '{rate} rows/s', initial: { rate: 0 }, ...(options.progress === undefined ? {} : { enabled: options.progress }) });
  const started = performance.now();
  let rows = 0;
  try {
    for await (const chunk of timed.chunks()) {
      rows += Array.isArray(chunk) ? chunk.length : (chunk as { size: number }).size;
      bar.update(rows, { rate: Math.round(rows / Math.max(1e-3, (performance.now() - started) / 1000)) });
      if (options.consumerMs) await new Promise((resolve) => setTimeout(resolve, options.consumerMs));
      if (performance.now() >= deadline) break;
    }
  } finally {
    bar.stop();
  }
  return timed.stats();
}

function filePipeline(file: string, shuffle: number, batch: number): Dataset<unknown> {
  const rows = csv(file) as Dataset<unknown>;
  return (shuffle > 0 ? rows.shuffle(shuffle) : rows).batch(batch) as Dataset<unknown>;
}

async function loadPipeline(file: string, name: string): Promise<Dataset<unknown>> {
  const mod = (await import(pathToFileURL(path.resolve(file)).href)) as Record<string, unknown>;
  let value = mod[name];
  if (value === undefined) throw new OptionError(`${file} has no export '${name}' (exports: ${Object.keys(mod).join(', ') || 'none'})`);
  if (typeof value === 'function') value = await (value as () => unknown)();
  const ds = value as Partial<Dataset<unknown>> | undefined;
  if (ds === null || typeof ds !== 'object' || typeof ds.source?.open !== 'function') {
    throw new OptionError(`${file}: export '${name}' is not a Dataset (nor a function returning one)`);
  }
  return ds as Dataset<unknown>;
}
