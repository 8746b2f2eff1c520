import { writeFile } from 'node:fs/promises';
import { type Command, numberOption, parseCommandArgs, withExitCode } from './command.js';
import { OptionError } from '../src/errors.js';
import type { TrainOptions, TrainResult, TrainSettings } from '../pipelines/movielens/train.js';
import { phaseBars, progress, type Progress } from './progress.js';

const HELP = `sluice train FILE [--test FILE | --split 0.1] [--delimiter D] [--no-header | --header]
             [--columns user=…,item=…,rating=…] [--epochs N]
             [--batch N] [--dim N] [--lr X] [--decay X] [--l2 X] [--seed S] [--early-stop N]
             [--backend auto|node|wasm|cpu] [--loader auto|worker|main] [--shuffle block|buffer|memory]
             [--shuffle-buffer ROWS] [--checkpoint DIR] [--checkpoint-every N] [--json OUT] [--progress | --no-progress]

Trains a biased matrix-factorisation recommender (user and item embeddings, their dot
product, user and item biases, global mean; Adam; mean squared error) on a MovieLens-format
ratings file, streaming the file every epoch, and reports RMSE and MAE on the test rows.
  FILE          ratings.csv (ml-latest, ml-25m), u.data / u1.base (ml-100k), ratings.dat (ml-1m)
  --test FILE   held-out file (e.g. u1.test); otherwise --split of FILE is held out by a
                hash of (user, movie, seed), the same rows every epoch (default 0.1; --split
                and --test exclude each other)
  --delimiter   ',', '\\t' (or a real tab) or '::'; detected from the first line by default
  --no-header   the first line is data; --header: it is a header (detected by default)
  --columns user=C,item=C,rating=C  which columns are the user, the item and the rating
                when the header does not say userId, movieId, rating: C is a header name
                (--columns user=uid,item=iid,rating=score) or a 0-based column index (the
                only way without a header: --columns user=2,item=0,rating=1); roles left
                out keep MovieLens's columns. An unknown name is refused, listing the header
  --epochs N    default 10      --batch N   default 512      --dim N   default 32
  --lr X        Adam learning rate, default 0.005      --decay X  its factor per epoch, default 0.8
  --l2 X        L2 penalty on the rows of each batch, default 0.1      --seed S  default 0
  --early-stop N  stop when the held-out RMSE (measured after every epoch) has not improved
                for N epochs (default: run every epoch)
  --backend     auto (default: tfjs-node if installed, else wasm, else cpu), node, wasm, cpu
  --loader      where the file is decoded, shuffled and batched: worker (a worker thread,
                overlapping training), main, or auto (default: starts on main, hands over to
                a worker when training waits on loading, enough of the run is left and a
                core is idle)
  --shuffle M   how rows are shuffled each epoch (rating files are sorted by user):
                block (default): the file read in 1 MiB blocks, 32 to a window (one from
                  each 32nd of the file), each window permuted: near-uniform, memory about
                  two windows (32 MiB of file each)
                buffer: the file in order through a shuffle buffer only (batches then hold
                  few users); memory: a perfect shuffle holding every rating in memory
                  (12 bytes a row; for comparison)
  --shuffle-buffer ROWS  the shuffle buffer of --shuffle buffer (default 250,000)
  --checkpoint DIR  save model, optimizer state and position to DIR every
                --checkpoint-every batches (default 1000) and at each epoch end (atomically);
                if DIR holds a checkpoint of the same file and options, resume from it
                (with a larger --epochs, a finished run trains on). Refused (exit code 3): a
                damaged checkpoint, one of another run, one whose run already finished
                --epochs epochs
  --json OUT    write { backend, rows, epochs, seconds, samplesPerSecond, trainRmse,
                testRmse, testMae, peakRssMb, loaderWaitFraction, loader, stages (per-stage
                statistics of the loader), bottleneck: { stage, fraction, advice, line },
                settings (every hyper-parameter as used), epochTestRmse, epochLoss,
                stoppedAfter } to OUT
  --progress    progress bars on stderr even when it is not a terminal (--no-progress: none)
Exit codes: 0 done; 1 a file or data error (missing file, bad line, gzip); 2 a bad, unknown or
conflicting flag; 3 a checkpoint that cannot be resumed (damaged, of another run, or
already finished); 4 training diverged (the loss became NaN or infinite: lower --lr).`;

/** sluice train's exit codes (README, --help): one per kind of failure a script may handle. */
export const EXIT = { ok: 0, error: 1, usage: 2, checkpoint: 3, diverged: 4 } as const;

export const command: Command = {
  summary: 'train the MovieLens recommender on a ratings file (streamed) and report test RMSE/MAE',
  async run(argv) {
    try {
      return await train(argv);
    } catch (e) {
      throw withExitCode(e, await exitCodeOf(e));
    }
  },
};

const FLAGS = {
  test: { type: 'string' },
  split: { type: 'string' },
  delimiter: { type: 'string' },
  'no-header': { type: 'boolean' },
  header: { type: 'boolean' },
  columns: { type: 'string' },
  epochs: { type: 'string' },
  batch: { type: 'string' },
  dim: { type: 'string' },
  lr: { type: 'string' },
  l2: { type: 'string' },
  decay: { type: 'string' },
  seed: { type: 'string' },
  backend: { type: 'string' },
  json: { type: 'string' },
  progress: { type: 'boolean' },
  loader: { type: 'string' },
  shuffle: { type: 'string' },
  'shuffle-buffer': { type: 'string' },
  checkpoint: { type: 'string' },
  'checkpoint-every': { type: 'string' },
  'early-stop': { type: 'string' },
  'no-progress': { type: 'boolean' },
} as const;

type Values = NonNullable<ReturnType<typeof parseCommandArgs<typeof FLAGS>>>['values'];

async function train(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, FLAGS, HELP);
  if (args === undefined) return EXIT.ok;
  const file = args.positionals[0];
  if (file === undefined || args.positionals.length > 1) throw new OptionError(`expected one ratings FILE, got ${args.positionals.length}; --help lists the options`);
  const { trainRecommender } = await import('../pipelines/movielens/train.js');
  const options = await trainOptions(args.values);
  const display = progressDisplay(args.values, options.epochs!);
  const result = await trainRecommender(file, { ...options, ...display.callbacks });
  display.stop();
  process.stdout.write(summary(result));
  if (args.values.json !== undefined) await writeFile(args.values.json, JSON.stringify(jsonOf(result), null, 2) + '\n');
  return EXIT.ok;
}

/** The flags as trainRecommender's options (checked: conflicts, choices, numbers). */
async function trainOptions(v: Values): Promise<TrainOptions> {
  for (const [a, b] of [['split', 'test'], ['header', 'no-header'], ['progress', 'no-progress']] as const) {
    if (v[a] !== undefined && v[b] !== undefined) throw new OptionError(`--${a} and --${b} exclude each other`);
  }
  const loader = v.loader ?? 'auto';
  if (loader !== 'auto' && loader !== 'worker' && loader !== 'main') throw new OptionError(`--loader must be auto, worker or main, got '${loader}'`);
  const backend = v.backend ?? 'auto';
  if (backend !== 'auto' && backend !== 'node' && backend !== 'wasm' && backend !== 'cpu') throw new OptionError(`--backend must be auto, node, wasm or cpu, got '${backend}'`);
  const shuffle = v.shuffle ?? 'block';
  if (shuffle !== 'block' && shuffle !== 'buffer' && shuffle !== 'memory') throw new OptionError(`--shuffle must be block, buffer or memory, got '${shuffle}'`);
  const { DEFAULTS } = await import('../pipelines/movielens/train.js');
  const { parseColumnMapping, parseDelimiter } = await import('../pipelines/movielens/format.js');
  return {
    test: v.test,
    split: v.split === undefined ? undefined : numberOption('split', v.split, DEFAULTS.split, 0),
    delimiter: v.delimiter === undefined ? undefined : parseDelimiter(v.delimiter),
    header: v['no-header'] ? false : v.header ? true : undefined,
    columns: v.columns === undefined ? undefined : parseColumnMapping(v.columns),
    epochs: numberOption('epochs', v.epochs, DEFAULTS.epochs, 1),
    batch: numberOption('batch', v.batch, DEFAULTS.batch, 1),
    dim: numberOption('dim', v.dim, DEFAULTS.dim, 1),
    lr: numberOption('lr', v.lr, DEFAULTS.lr, 0),
    l2: numberOption('l2', v.l2, DEFAULTS.l2, 0),
    decay: numberOption('decay', v.decay, DEFAULTS.decay, 0),
    seed: numberOption('seed', v.seed, DEFAULTS.seed),
    backend,
    loader,
    shuffle,
    shuffleBuffer: v['shuffle-buffer'] === undefined ? undefined : numberOption('shuffle-buffer', v['shuffle-buffer'], 0, 1),
    checkpoint: v.checkpoint,
    checkpointEvery: numberOption('checkpoint-every', v['checkpoint-every'], DEFAULTS.checkpointEvery, 1),
    earlyStop: numberOption('early-stop', v['early-stop'], 0, 0),
  };
}

/** Progress bars (id pass, epochs, evaluation) and the per-epoch lines, as callbacks. */
function progressDisplay(v: Values, epochs: number): { callbacks: Pick<TrainOptions, 'onEpoch' | 'onResume' | 'onProgress' | 'onBatch'>; stop: () => void } {
  // Test hook: SIGKILL this process after that many batches, as a crash would.
  const killAfter = Number(process.env['SLUICE_TEST_KILL_AFTER_BATCHES'] ?? 0);
  let batchesRun = 0;
  let bar: Progress | undefined;
  let lastEpoch = -1;
  const enabled = v['no-progress'] === true ? false : v.progress;
  const onOff = enabled === undefined ? {} : { enabled };
  const bars = phaseBars(enabled);
  const callbacks: Pick<TrainOptions, 'onEpoch' | 'onResume' | 'onProgress' | 'onBatch'> = {
    onEpoch: ({ epoch, loss, testRmse, seconds }) => {
      bar?.stop();
      bar = undefined;
      process.stdout.write(`epoch ${epoch + 1}/${epochs}: mean loss ${loss.toFixed(4)}, held-out RMSE ${testRmse.toFixed(4)} (${seconds.toFixed(1)} s)\n`);
    },
    onResume: ({ epoch, batch, batches }) => {
      process.stdout.write(`resumed from epoch ${epoch}, batch ${batch} (${v.checkpoint}; epochs counted from 0, ${batches} batches an epoch)\n`);
    },
    onProgress: (p) => {
      if (p.phase === 'evaluate-train') bar?.stop();
      bars.onProgress(p);
    },
    onBatch: ({ epoch, batch, batches, meanLoss, seconds }) => {
      if (batch === 1) bars.stop();
      if (killAfter > 0 && ++batchesRun === killAfter) process.kill(process.pid, 'SIGKILL');
      if (epoch !== lastEpoch) {
        bar?.stop();
        lastEpoch = epoch;
        bar = progress({ label: `epoch ${epoch + 1}/${epochs}`, total: batches, extra: '{rate} batch/s mean loss {loss}', initial: { rate: 0, loss: '-' }, ...onOff });
      }
      if ((batch & 7) === 0 || batch === batches) bar?.update(batch, { rate: Math.round(batch / Math.max(seconds, 1e-9)), loss: meanLoss.toFixed(4) });
    },
  };
  return {
    callbacks,
    stop: () => {
      bar?.stop();
      bars.stop();
    },
  };
}

/** The summary lines printed after a run. */
function summary(r: TrainResult): string {
  return (
    `train: ${r.rows.toLocaleString('en')} rows × ${r.stoppedAfter ?? r.epochs} epochs on ${r.backend} in ${r.seconds.toFixed(1)} s ` +
    `(${Math.round(r.samplesPerSecond).toLocaleString('en')} samples/s, loader wait ${(r.loaderWaitFraction * 100).toFixed(1)}%, peak RSS ${Math.round(r.peakRssMb)} MB)\n` +
    `       ${r.users.toLocaleString('en')} users, ${r.items.toLocaleString('en')} items; train RMSE ${r.trainRmse.toFixed(4)}; ` +
    `test RMSE ${r.testRmse.toFixed(4)}, MAE ${r.testMae.toFixed(4)} on ${r.testRows.toLocaleString('en')} rows\n` +
    `       loader: ${r.loader.used} (${r.loader.reason}); ${r.bottleneck.line}\n` +
    `       settings: ${settingsLine(r.settings)}\n` +
    (r.stoppedAfter === null ? '' : `       stopped early after epoch ${r.stoppedAfter}: the held-out RMSE did not improve for ${r.settings.earlyStop} epoch(s)\n`)
  );
}

/** What --json writes. */
function jsonOf(r: TrainResult): Record<string, unknown> {
  const { backend, rows, epochs, seconds, samplesPerSecond, trainRmse, testRmse, testMae, peakRssMb, loaderWaitFraction, testRows, users, items, shuffle, resumedFrom, batchesTrained } = r;
  return {
    backend, rows, epochs, seconds, samplesPerSecond, trainRmse, testRmse, testMae, peakRssMb, loaderWaitFraction, testRows, users, items, shuffle,
    resumedFrom: resumedFrom ?? null, batchesTrained, loader: r.loader, bottleneck: r.bottleneck, stages: r.stages, settings: r.settings,
    epochTestRmse: r.epochTestRmse, epochLoss: r.epochLoss, stoppedAfter: r.stoppedAfter,
  };
}

/** The exit code of a failed run (EXIT): by the kind of error. */
async function exitCodeOf(e: unknown): Promise<number> {
  if (e instanceof OptionError) return EXIT.usage;
  const { CheckpointError } = await import('../pipelines/movielens/checkpoint.js');
  if (e instanceof CheckpointError) return EXIT.checkpoint;
  const { DivergedError } = await import('../pipelines/movielens/train-loop.js');
  if (e instanceof DivergedError) return EXIT.diverged;
  return EXIT.error;
}

/** The hyper-parameters of a run in one line, as the summary prints them. */
function settingsLine(s: TrainSettings): string {
  return (
    `epochs ${s.epochs}, batch ${s.batch}, dim ${s.dim}, lr ${s.lr} (×${s.decay}/epoch), l2 ${s.l2}, seed ${s.seed}, ` +
    `${s.split > 0 ? `split ${s.split}` : 'test file'}, shuffle ${s.shuffle}${s.shuffleBuffer === null ? '' : ` (${s.shuffleBuffer} rows)`}, loader ${s.loader}, ` +
    `early stop ${s.earlyStop > 0 ? s.earlyStop : 'off'}`
  );
}
