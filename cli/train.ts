import { writeFile } from 'node:fs/promises';
import type { Command } from './command.js';
import { numberOption, parseCommandArgs } from './command.js';
import { OptionError } from '../src/errors.js';
import { phaseBars, progress, type Progress } from './progress.js';

const HELP = `sluice train FILE [--test FILE | --split 0.1] [--delimiter D] [--no-header | --header] [--epochs N]
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
  --epochs N    default 10      --batch N   default 1024     --dim N   default 32
  --lr X        Adam learning rate, default 0.005      --decay X  its factor per epoch, default 0.8
  --l2 X        L2 penalty on the rows of each batch, default 0.1      --seed S  default 0
  --early-stop N  stop when the held-out RMSE (measured after every epoch) has not improved
                for N epochs (default: run every epoch)
  --backend     auto (default: tfjs-node if installed, else wasm, else cpu), node, wasm, cpu
  --loader      where the file is decoded, shuffled and batched: worker (a worker thread,
                overlapping training), main, or auto (default: starts on main, hands over to
                a worker when training waits on loading and enough of the run is left)
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
                (a checkpoint of another run is refused)
  --json OUT    write { backend, rows, epochs, seconds, samplesPerSecond, trainRmse,
                testRmse, testMae, peakRssMb, loaderWaitFraction, loader, stages (per-stage
                statistics of the loader), bottleneck: { stage, fraction, advice, line },
                settings (every hyper-parameter as used), epochTestRmse, epochLoss,
                stoppedAfter } to OUT
  --progress    progress bars on stderr even when it is not a terminal (--no-progress: none)
A loss that becomes NaN or infinite stops the run with exit code 1 and advice (lower --lr).`;

export const command: Command = {
  summary: 'train the MovieLens recommender on a ratings file (streamed) and report test RMSE/MAE',
  async run(argv) {
    const args = parseCommandArgs(
      argv,
      {
        test: { type: 'string' },
        split: { type: 'string' },
        delimiter: { type: 'string' },
        'no-header': { type: 'boolean' },
        header: { type: 'boolean' },
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
      },
      HELP,
    );
    if (args === undefined) return 0;
    const file = args.positionals[0];
    if (file === undefined || args.positionals.length > 1) throw new OptionError(`expected one ratings FILE, got ${args.positionals.length}; --help lists the options`);
    for (const [a, b] of [['split', 'test'], ['header', 'no-header'], ['progress', 'no-progress']] as const) {
      if (args.values[a] !== undefined && args.values[b] !== undefined) throw new OptionError(`--${a} and --${b} exclude each other`);
    }
    const loader = args.values.loader ?? 'auto';
    if (loader !== 'auto' && loader !== 'worker' && loader !== 'main') throw new OptionError(`--loader must be auto, worker or main, got '${loader}'`);
    const backend = args.values.backend ?? 'auto';
    if (!['auto', 'node', 'wasm', 'cpu'].includes(backend)) throw new OptionError(`--backend must be auto, node, wasm or cpu, got '${backend}'`);
    const shuffle = args.values.shuffle ?? 'block';
    if (shuffle !== 'block' && shuffle !== 'buffer' && shuffle !== 'memory') throw new OptionError(`--shuffle must be block, buffer or memory, got '${shuffle}'`);
    const { trainRecommender, DEFAULTS } = await import('../pipelines/movielens/train.js');
    // Test hook: SIGKILL this process after that many batches, as a crash would.
    const killAfter = Number(process.env['SLUICE_TEST_KILL_AFTER_BATCHES'] ?? 0);
    let batchesRun = 0;
    const { parseDelimiter } = await import('../pipelines/movielens/format.js');
    const epochs = numberOption('epochs', args.values.epochs, DEFAULTS.epochs, 1);
    let bar: Progress | undefined;
    let lastEpoch = -1;
    const enabled = args.values['no-progress'] === true ? false : args.values.progress;
    const onOff = enabled === undefined ? {} : { enabled };
    const bars = phaseBars(enabled);
    const result = await trainRecommender(file, {
      test: args.values.test,
      split: args.values.split === undefined ? undefined : numberOption('split', args.values.split, DEFAULTS.split, 0),
      delimiter: args.values.delimiter === undefined ? undefined : parseDelimiter(args.values.delimiter),
      header: args.values['no-header'] ? false : args.values.header ? true : undefined,
      epochs,
      batch: numberOption('batch', args.values.batch, DEFAULTS.batch, 1),
      dim: numberOption('dim', args.values.dim, DEFAULTS.dim, 1),
      lr: numberOption('lr', args.values.lr, DEFAULTS.lr, 0),
      l2: numberOption('l2', args.values.l2, DEFAULTS.l2, 0),
      decay: numberOption('decay', args.values.decay, DEFAULTS.decay, 0),
      seed: numberOption('seed', args.values.seed, DEFAULTS.seed),
      backend: backend as 'auto',
      loader,
      shuffle,
      shuffleBuffer: args.values['shuffle-buffer'] === undefined ? undefined : numberOption('shuffle-buffer', args.values['shuffle-buffer'], 0, 1),
      checkpoint: args.values.checkpoint,
      checkpointEvery: numberOption('checkpoint-every', args.values['checkpoint-every'], DEFAULTS.checkpointEvery, 1),
      earlyStop: numberOption('early-stop', args.values['early-stop'], 0, 0),
      onEpoch: ({ epoch, loss, testRmse, seconds }) => {
        bar?.stop();
        bar = undefined;
        process.stdout.write(`epoch ${epoch + 1}/${epochs}: mean loss ${loss.toFixed(4)}, held-out RMSE ${testRmse.toFixed(4)} (${seconds.toFixed(1)} s)\n`);
      },
      onResume: ({ epoch, batch, batches }) => {
        process.stdout.write(`resumed from epoch ${epoch}, batch ${batch} (${args.values.checkpoint}; epochs counted from 0, ${batches} batches an epoch)\n`);
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
    });
    bar?.stop();
    bars.stop();
    const r = result;
    process.stdout.write(
      `train: ${r.rows.toLocaleString('en')} rows × ${r.stoppedAfter ?? r.epochs} epochs on ${r.backend} in ${r.seconds.toFixed(1)} s ` +
        `(${Math.round(r.samplesPerSecond).toLocaleString('en')} samples/s, loader wait ${(r.loaderWaitFraction * 100).toFixed(1)}%, peak RSS ${Math.round(r.peakRssMb)} MB)\n` +
        `       ${r.users.toLocaleString('en')} users, ${r.items.toLocaleString('en')} items; train RMSE ${r.trainRmse.toFixed(4)}; ` +
        `test RMSE ${r.testRmse.toFixed(4)}, MAE ${r.testMae.toFixed(4)} on ${r.testRows.toLocaleString('en')} rows\n` +
        `       loader: ${r.loader.used} (${r.loader.reason}); ${r.bottleneck.line}\n` +
        `       settings: ${settingsLine(r.settings)}\n` +
        (r.stoppedAfter === null ? '' : `       stopped early after epoch ${r.stoppedAfter}: the held-out RMSE did not improve for ${r.settings.earlyStop} epoch(s)\n`),
    );
    if (args.values.json !== undefined) {
      const { backend: b, rows, epochs: e, seconds, samplesPerSecond, trainRmse, testRmse, testMae, peakRssMb, loaderWaitFraction, testRows, users, items, shuffle: sh, resumedFrom, batchesTrained } = r;
      await writeFile(args.values.json, JSON.stringify({ backend: b, rows, epochs: e, seconds, samplesPerSecond, trainRmse, testRmse, testMae, peakRssMb, loaderWaitFraction, testRows, users, items, shuffle: sh, resumedFrom: resumedFrom ?? null, batchesTrained, loader: r.loader, bottleneck: r.bottleneck, stages: r.stages, settings: r.settings, epochTestRmse: r.epochTestRmse, epochLoss: r.epochLoss, stoppedAfter: r.stoppedAfter }, null, 2) + '\n');
    }
    return 0;
  },
};

/** The hyper-parameters of a run in one line, as the summary prints them. */
function settingsLine(s: import('../pipelines/movielens/train.js').TrainSettings): string {
  return (
    `epochs ${s.epochs}, batch ${s.batch}, dim ${s.dim}, lr ${s.lr} (×${s.decay}/epoch), l2 ${s.l2}, seed ${s.seed}, ` +
    `${s.split > 0 ? `split ${s.split}` : 'test file'}, shuffle ${s.shuffle}${s.shuffleBuffer === null ? '' : ` (${s.shuffleBuffer} rows)`}, loader ${s.loader}, ` +
    `early stop ${s.earlyStop > 0 ? s.earlyStop : 'off'}`
  );
}
