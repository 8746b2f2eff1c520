import path from 'node:path';
import { background, checkOptionNames, type ColumnBatch, ColumnChunk, Dataset, type EpochState, OptionError, SluiceError } from '../../src/index.js';
import { errorMessage } from '../../src/errors.js';
import { allRows, type Example, type ExampleColumns, testSplit, trainingSet } from './examples.js';
import { BiasedMF, useBackend, type BackendChoice } from '../../src/index.js';
import { type ColumnMapping, detectFormat, type RatingsFormat } from './format.js';
import { indexRatings, type RatingsIndex } from './ids.js';
import { type LoaderArgs, loaderPipeline, SHUFFLE_MODES, type ShuffleMode } from './loader.js';
import { CheckpointError, checkFingerprint, checkResume, fingerprint, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { DivergedError, trainEpochs } from './train-loop.js';
import { readRatings } from './read.js';
import { type LoaderChoice, openLoader } from './auto-loader.js';
import { type PhaseProgress, phaseProgress } from './progress.js';
import type { AutotunePolicy } from '../../src/stats/autotune.js';
import type { Bottleneck, StageStats } from '../../src/stats/model.js';

export { allRows, type Example, type ExampleColumns, testSplit, trainingSet } from './examples.js';
export { type ShuffleMode, SHUFFLE_MODES } from './loader.js';
export { DivergedError };

export interface TrainOptions {
  /** A separate test file (e.g. ml-100k `u1.test`); otherwise `split` of the file is held out. */
  test?: string | undefined;
  /** Fraction held out by the deterministic hash split. Default 0.1 (ignored with `test`). */
  split?: number;
  /** Layout; detected from the first line when not given. */
  delimiter?: RatingsFormat['delimiter'] | undefined;
  header?: boolean | undefined;
  /**
   * Which columns are the user, the item and the rating, when the header does not use
   * MovieLens's names (`{ user: 'uid', item: 'iid', rating: 'score' }`) or a headerless
   * file has another order (0-based indexes: `{ user: 2, item: 0, rating: 1 }`). An unknown
   * name is an OptionError listing the file's header. Applies to `test` too.
   */
  columns?: ColumnMapping | undefined;
  epochs?: number;
  batch?: number;
  dim?: number;
  /** Adam learning rate. Default 0.005, decayed by `decay` each epoch. */
  lr?: number;
  /** Learning rate factor per epoch. Default 0.8. */
  decay?: number;
  /** L2 penalty per example. Default 0.1. */
  l2?: number;
  /** Seed of the init, the shuffle and the split. Default 0. */
  seed?: number;
  backend?: BackendChoice;
  /**
   * How rows are shuffled each epoch. 'block' (default): the file read in random byte
   * blocks, a window of them permuted at a time (shuffledCsv): near-uniform even on a file
   * sorted by user, memory bounded. 'buffer': the file in order through a shuffle buffer
   * only; on a user-sorted file each batch spans few users. 'memory': a perfect shuffle
   * that holds every training row in memory (12 bytes a row): for comparison only.
   */
  shuffle?: ShuffleMode;
  /**
   * Rows in the shuffle buffer of 'buffer' mode (default 250,000: on a user-sorted file it
   * spans ~2000 users). 'block' mode has no buffer: it permutes whole windows of blocks.
   */
  shuffleBuffer?: number | undefined;
  /**
   * A directory for checkpoints: written every `checkpointEvery` batches and at each epoch
   * end (atomically); when it holds a checkpoint of the same file and options, training
   * resumes from it (same batches, same optimizer state: the same model as an
   * uninterrupted run); with a larger `epochs` a finished run trains on. A checkpoint that
   * is damaged, of another run, or of a run that already trained `epochs` epochs is refused
   * with a CheckpointError.
   */
  checkpoint?: string | undefined;
  /** Batches between checkpoints. Default 1000 (a checkpoint of MovieLens-25M-size tables, 88 MB, takes ~0.3 s to write; 1000 batches take ~6 s to train). */
  checkpointEvery?: number;
  /**
   * Where the loading pipeline runs: 'worker' builds it on a worker thread with
   * `background()`, so decoding overlaps training; 'main' runs it in this thread. 'auto'
   * (default): decided while training runs: the main-thread loader starts at once, and if
   * (measured every second over the run so far) 10% or more of the time is not spent in
   * training's own steps (waiting, or loading on this thread; the held-out evaluation and
   * checkpoints count as training's), what is left to save outweighs starting a worker (2 s
   * of waiting at least) and half a core or more is idle, a worker loader takes over a
   * little ahead. The batches are the same whichever runs.
   */
  loader?: LoaderChoice;
  /** How 'auto' measures and decides (window, thresholds); for tests and tuning. */
  autotune?: AutotunePolicy;
  /**
   * Stop when the held-out RMSE has not improved for this many epochs (0: never; the
   * default). The held-out RMSE is measured after every epoch either way.
   */
  earlyStop?: number;
  /** Called after each batch; `meanLoss` is the mean of the epoch's batches so far. */
  onBatch?: (info: { epoch: number; batch: number; batches: number; loss: number; meanLoss: number; seconds: number }) => void;
  /** Called once, before training, when the run resumes from a checkpoint. */
  onResume?: (info: { epoch: number; batch: number; batches: number }) => void;
  /** Called after each chunk of the id pass and of the evaluations (rows, total, rows/s, ETA). */
  onProgress?: (info: PhaseProgress) => void;
  /** Called after each epoch: its mean training loss and the held-out RMSE after it. */
  onEpoch?: (info: { epoch: number; loss: number; testRmse: number; seconds: number }) => void;
}

/** Every option name of {@link trainRecommender}, for the unknown-name check. */
const TRAIN_OPTIONS = [
  'test', 'split', 'delimiter', 'header', 'columns', 'epochs', 'batch', 'dim', 'lr', 'decay', 'l2', 'seed', 'backend', 'shuffle', 'shuffleBuffer',
  'checkpoint', 'checkpointEvery', 'loader', 'autotune', 'earlyStop', 'onBatch', 'onResume', 'onEpoch', 'onProgress',
] as const;

/** The run's hyper-parameters, as used (defaults filled in): in the result and `--json`. */
export interface TrainSettings {
  epochs: number;
  batch: number;
  dim: number;
  lr: number;
  decay: number;
  l2: number;
  seed: number;
  split: number;
  shuffle: ShuffleMode;
  shuffleBuffer: number | null;
  /** The --loader asked for ('auto' is decided while training: see the result's `loader`). */
  loader: LoaderChoice;
  earlyStop: number;
}

export interface TrainResult {
  backend: string;
  /** Training rows per epoch. */
  rows: number;
  testRows: number;
  users: number;
  items: number;
  epochs: number;
  /** Wall time of the training epochs (not the indexing pass or the evaluation). */
  seconds: number;
  samplesPerSecond: number;
  /** RMSE of the trained model on the training rows (one more streamed pass). */
  trainRmse: number;
  testRmse: number;
  testMae: number;
  peakRssMb: number;
  /** Share of training wall time spent waiting for the next batch. */
  loaderWaitFraction: number;
  shuffle: ShuffleMode;
  /** Where this run started when it resumed from a checkpoint (epoch, batches done in it). */
  resumedFrom?: EpochState;
  /** Batches trained by this run (fewer than epochs × batches per epoch after a resume). */
  batchesTrained: number;
  /** Held-out RMSE after each epoch trained by this run. */
  epochTestRmse: number[];
  /** Mean training loss of each epoch trained by this run. */
  epochLoss: number[];
  /** The epoch (counted from 1) after which --early-stop ended the run; null when it ran them all. */
  stoppedAfter: number | null;
  settings: TrainSettings;
  /** Which loader ran (with 'auto': what was decided, and why). */
  loader: { used: 'worker' | 'main' | 'main→worker'; reason: string };
  /** Per-stage statistics of the loader (the one that produced most batches), and the bottleneck. */
  stages: StageStats[];
  bottleneck: Bottleneck;
}

/**
 * Defaults chosen on MovieLens-100k-shaped synthetic data (bench/tune.ts; README, "Training
 * a recommender"): dim 32, batch 512, Adam 0.005 decaying ×0.8 an epoch, L2 0.1, 10 epochs.
 */
export const DEFAULTS = { split: 0.1, epochs: 10, batch: 512, dim: 32, lr: 0.005, decay: 0.8, l2: 0.1, seed: 0, shuffleBuffer: 250_000, shuffle: 'block', checkpointEvery: 1000 } as const;

/**
 * Trains the biased-MF recommender on a MovieLens-format ratings file, streaming it every
 * epoch (memory: id maps, embedding tables and the shuffle buffer, never the file), and
 * evaluates RMSE and MAE on the test rows. The steps: settings checked, the run prepared
 * (format, id pass, checkpoint), the epochs trained, the model evaluated.
 * @example
 * const r = await trainRecommender('ml-100k/u1.base', { test: 'ml-100k/u1.test' });
 * console.log(r.testRmse); // ≈ 0.93
 */
export async function trainRecommender(file: string, options: TrainOptions = {}): Promise<TrainResult> {
  checkOptionNames('trainRecommender', options, TRAIN_OPTIONS);
  const s = resolveSettings(options);
  const backend = await useBackend(options.backend ?? 'auto');
  const run = await prepareRun(file, options, s);
  const loaderRun = openLoader(s.loader, (loader, at) => batchesOf(file, run, s, loader, at), run.from, run.batches, Math.max(0, (s.epochs - run.from.epoch) * run.batches - run.from.position), options.autotune);
  if (run.resumed) options.onResume?.({ epoch: run.from.epoch, batch: run.from.position, batches: run.batches });
  const loop = await trainEpochs({
    model: run.model,
    loader: loaderRun,
    from: run.from,
    batches: run.batches,
    epochs: s.epochs,
    lr: s.lr,
    decay: s.decay,
    earlyStop: s.earlyStop,
    checkpointEvery: s.checkpointEvery,
    heldOut: async () => (await evaluate(run.model, run.testSet(), run.clip)).rmse,
    save: run.save,
    onBatch: options.onBatch,
    onEpoch: options.onEpoch,
  });
  const loaderStats = loaderRun.stats();
  const { trainEval, testEval } = await finalEvaluation(file, options, run);
  return {
    backend,
    rows: run.index.trainRows,
    testRows: testEval.rows,
    users: run.index.users.size,
    items: run.index.items.size,
    epochs: s.epochs,
    seconds: loop.seconds,
    samplesPerSecond: loop.trainedRows / loop.seconds,
    trainRmse: trainEval.rmse,
    testRmse: testEval.rmse,
    testMae: testEval.mae,
    peakRssMb: loop.peakRss / 2 ** 20,
    loaderWaitFraction: loop.waitedSeconds / loop.seconds,
    shuffle: s.shuffle,
    ...(run.resumed ? { resumedFrom: run.from } : {}),
    batchesTrained: loop.trained,
    epochTestRmse: loop.epochTestRmse,
    epochLoss: loop.epochLoss,
    stoppedAfter: loop.stoppedAfter,
    settings: publicSettings(s),
    loader: loaderRun.loader(),
    stages: loaderStats.stages,
    bottleneck: loaderStats.bottleneck,
  };
}

/** The run's settings, checked, defaults filled in (and what is not in TrainSettings). */
interface Resolved extends TrainSettings {
  checkpointEvery: number;
}

function resolveSettings(options: TrainOptions): Resolved {
  if (options.test !== undefined && options.split !== undefined) {
    throw new OptionError('split and test exclude each other: with a test file, every row of the training file trains (drop --split, or --test)');
  }
  const earlyStop = options.earlyStop ?? 0;
  if (!Number.isInteger(earlyStop) || earlyStop < 0) throw new OptionError(`--early-stop must be an integer >= 0, got ${earlyStop}`);
  const split = options.test !== undefined ? 0 : (options.split ?? DEFAULTS.split);
  if (!(split >= 0 && split < 1)) throw new OptionError(`split must be in [0, 1), got ${split}`);
  const shuffle = options.shuffle ?? DEFAULTS.shuffle;
  if (!SHUFFLE_MODES.includes(shuffle)) throw new OptionError(`shuffle must be one of ${SHUFFLE_MODES.join(', ')}, got ${JSON.stringify(shuffle)}`);
  if (options.shuffleBuffer !== undefined) positive('shuffle-buffer', options.shuffleBuffer);
  return {
    epochs: positive('epochs', options.epochs ?? DEFAULTS.epochs),
    batch: positive('batch', options.batch ?? DEFAULTS.batch),
    dim: positive('dim', options.dim ?? DEFAULTS.dim),
    lr: options.lr ?? DEFAULTS.lr,
    decay: options.decay ?? DEFAULTS.decay,
    l2: options.l2 ?? DEFAULTS.l2,
    seed: options.seed ?? DEFAULTS.seed,
    split,
    shuffle,
    shuffleBuffer: options.shuffleBuffer ?? null,
    loader: options.loader ?? 'auto',
    earlyStop,
    checkpointEvery: positive('checkpoint-every', options.checkpointEvery ?? DEFAULTS.checkpointEvery),
  };
}

function publicSettings(s: Resolved): TrainSettings {
  const { checkpointEvery: _, ...settings } = s;
  return settings;
}

/** Everything the epochs need, known before the first one: format, ids, model, where to start. */
interface PreparedRun {
  format: RatingsFormat;
  split: { fraction: number; seed: number };
  index: RatingsIndex;
  clip: { min: number; max: number };
  testSet: () => Dataset<Example, ExampleColumns>;
  model: BiasedMF;
  from: EpochState;
  resumed: boolean;
  /** Batches in an epoch. */
  batches: number;
  save: (cursor: EpochState) => void;
}

/**
 * The format (detected, columns mapped), the id pass, the model, and the checkpoint to
 * resume from: refused (CheckpointError) when damaged, of another run, or already finished.
 */
async function prepareRun(file: string, options: TrainOptions, s: Resolved): Promise<PreparedRun> {
  const given: Parameters<typeof detectFormat>[1] = {};
  if (options.delimiter !== undefined) given.delimiter = options.delimiter;
  if (options.header !== undefined) given.header = options.header;
  if (options.columns !== undefined) given.columns = options.columns;
  const format = await detectFormat(file, given);
  const split = { fraction: s.split, seed: s.seed };
  // What defines the run: a checkpoint is only resumed by a run with all of these equal.
  // Not --epochs: a finished run goes on when asked for more epochs (epoch e's batches and
  // learning rate do not depend on how many epochs there are).
  const test = options.test === undefined ? null : path.resolve(options.test);
  const runOptions = { test, split: s.split, format, batch: s.batch, dim: s.dim, lr: s.lr, decay: s.decay, l2: s.l2, seed: s.seed, shuffle: s.shuffle, shuffleBuffer: s.shuffleBuffer };
  const dir = options.checkpoint;
  const print = dir === undefined ? undefined : fingerprint(file, runOptions);
  const saved = dir === undefined ? undefined : readCheckpoint(dir);
  if (saved !== undefined) checkFingerprint(dir!, saved.header.fingerprint, print!);

  // The id index is not saved: this pass rebuilds it, identical for an unchanged file
  // (rows are assigned in id order), and the sizes are checked against the checkpoint's.
  const index = await indexRatings(phaseProgress(readRatings(file, format), 'index', undefined, file, options.onProgress), split);
  if (index.trainRows === 0) throw new OptionError(`${file}: no training rows`);
  const indexSummary = { users: index.users.size, items: index.items.size, trainRows: index.trainRows, mean: index.mean };
  const batches = Math.ceil(index.trainRows / s.batch);
  const model = new BiasedMF({ users: index.users.size, items: index.items.size, dim: s.dim, learningRate: s.lr, l2: s.l2, globalMean: index.mean, seed: s.seed });
  if (saved !== undefined) {
    if (JSON.stringify(saved.header.index) !== JSON.stringify(indexSummary)) {
      throw new CheckpointError(`--checkpoint ${dir}: the file's ids or rows differ from the checkpoint's (${JSON.stringify(saved.header.index)} vs ${JSON.stringify(indexSummary)})`);
    }
    checkResume(dir!, saved.header.cursor, s.epochs, batches);
    try {
      model.load(saved.model);
    } catch (e) {
      throw new CheckpointError(`--checkpoint ${dir}: damaged: its tables do not fit the model (${errorMessage(e)}); delete it to start over`);
    }
  }
  const testFormat = options.test !== undefined ? await detectFormat(options.test, given) : format;
  return {
    format,
    split,
    index,
    clip: { min: index.min, max: index.max },
    testSet: () => (options.test !== undefined ? allRows(options.test, testFormat, index) : testSplit(file, format, index, split)),
    model,
    from: saved?.header.cursor ?? { epoch: 0, position: 0 },
    resumed: saved !== undefined,
    batches,
    save: (cursor) => {
      if (dir !== undefined) writeCheckpoint(dir, { fingerprint: print!, cursor, index: indexSummary }, model);
    },
  };
}

/** The training batches from `at`, on the chosen loader. */
function batchesOf(file: string, run: PreparedRun, s: Resolved, loader: 'worker' | 'main', at: EpochState): Dataset<ColumnBatch<Example, ExampleColumns>> {
  const rows = run.index.trainRows;
  return trainingBatches(file, run.format, run.index, run.split, {
    shuffle: s.shuffle,
    shuffleBuffer: s.shuffleBuffer === null ? (s.shuffle === 'buffer' ? Math.min(DEFAULTS.shuffleBuffer, rows) : undefined) : Math.min(s.shuffleBuffer, rows),
    batch: s.batch,
    seed: s.seed,
    epochs: s.epochs,
    from: at,
    loader,
  });
}

/** RMSE on the training rows and RMSE and MAE on the test rows, with progress. */
async function finalEvaluation(file: string, options: TrainOptions, run: PreparedRun) {
  const { index, clip } = run;
  const trainEval = await evaluate(run.model, phaseProgress(trainingSet(file, run.format, index, run.split), 'evaluate-train', index.trainRows, undefined, options.onProgress), clip);
  const testEval = await evaluate(run.model, phaseProgress(run.testSet(), 'evaluate-test', options.test === undefined ? index.testRows : undefined, options.test, options.onProgress), clip);
  return { trainEval, testEval };
}

/** The loader thread's young generation, in MB (see trainingBatches). */
export const LOADER_YOUNG_MB = 8;

// The loader module in the same flavour as this file: .ts under tsx, .js when built.
const LOADER = new URL(`./loader${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/**
 * Shuffled batches of the training rows for `epochs` epochs as one stream (epoch e's
 * batches are those of the pipeline's epoch e), each epoch streamed from the file; built
 * on a worker thread (`loader: 'worker'`) or in this one. Both give the same batches.
 * `shuffle` picks the mode (default 'buffer' here; trainRecommender defaults to 'block');
 * `from` ({ epoch, position } in batches) starts the stream where a checkpoint left off:
 * the batches before it are replayed inside the loader and dropped, never trained twice.
 * @example
 * const ds = trainingBatches(file, format, index, split, { shuffle: 'block', shuffleBuffer: undefined,
 *   batch: 1024, seed: 0, epochs: 3, from: { epoch: 1, position: 200 }, loader: 'worker' });
 */
export function trainingBatches(
  file: string,
  format: RatingsFormat,
  index: RatingsIndex,
  split: { fraction: number; seed: number },
  options: { shuffle?: ShuffleMode; shuffleBuffer: number | undefined; blockShuffle?: LoaderArgs['blockShuffle']; batch: number; seed: number; epochs: number; from?: EpochState; loader: 'worker' | 'main' },
): Dataset<ColumnBatch<Example, ExampleColumns>> {
  const args: LoaderArgs = {
    file,
    format,
    users: index.users.state(),
    items: index.items.state(),
    trainRows: index.trainRows,
    split,
    shuffle: options.shuffle ?? 'buffer',
    shuffleBuffer: options.shuffleBuffer,
    blockShuffle: options.blockShuffle,
    batch: options.batch,
    seed: options.seed,
    epochs: options.epochs,
    from: options.from ?? { epoch: 0, position: 0 },
    // On a loader thread of its own, the block shuffle reads its blocks there too (this
    // thread trains; a third thread would only share the loader's core); loading here,
    // it reads them on a worker ('auto').
    blockWorkers: options.loader === 'main' ? 'auto' : 0,
  };
  const local = loaderPipeline(args);
  if (options.loader === 'main') return local.prefetch(2);
  const batches = local.size;
  // depth: up to 64 chunks (≈ 256 batches, a few MB) ready ahead of training.
  // A young generation of LOADER_YOUNG_MB: V8 would grow this busy thread's to its maximum,
  // tens of MB on top of the main thread's (bench/README, "huge id").
  const ds = background<ColumnBatch<Example, ExampleColumns>>(LOADER, { args: [args], depth: 64, resourceLimits: { maxYoungGenerationSizeMb: LOADER_YOUNG_MB } });
  // The worker reports its size once it has started; we know it already.
  return new Dataset<ColumnBatch<Example, ExampleColumns>>({ size: batches, open: (epoch?: number) => ds.source.open(epoch) });
}

/** RMSE and MAE of the model's predictions (clipped to the training rating range). */
export async function evaluate(model: BiasedMF, ds: Dataset<Example, ExampleColumns>, clip: { min: number; max: number }): Promise<{ rmse: number; mae: number; rows: number }> {
  let sq = 0;
  let abs = 0;
  let rows = 0;
  let pred = new Float32Array(0);
  for await (const c of ds.chunks()) {
    if (!(c instanceof ColumnChunk)) throw new SluiceError(`evaluate: expected columnar chunks of examples, got an array of ${c.length}`);
    const { user: u, item: i, rating: r } = c.columns;
    if (pred.length < c.size) pred = new Float32Array(c.size);
    model.predict(u, i, pred);
    for (let k = 0; k < c.size; k++) {
      const p = Math.min(clip.max, Math.max(clip.min, pred[k]!));
      const e = p - r[k]!;
      sq += e * e;
      abs += Math.abs(e);
    }
    rows += c.size;
  }
  return { rmse: rows > 0 ? Math.sqrt(sq / rows) : NaN, mae: rows > 0 ? abs / rows : NaN, rows };
}

function positive(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new OptionError(`--${name} must be a positive integer, got ${v}`);
  return v;
}
