import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from './command.js';
import { numberOption, parseCommandArgs } from './command.js';
import { progress, type Progress } from './progress.js';

const HELP = `sluice demo [--rows N] [--epochs N] [--backend auto|node|wasm|cpu] [--seed S] [--cache DIR]

The main job on an embedded default: generate a ${(2_000_000).toLocaleString('en')}-row synthetic MovieLens-format
file from a known model (about 50 MB, cached in --cache DIR, default ${path.join(os.tmpdir(), 'sluice-demo')}),
train the recommender on it streaming the file every epoch, and print its test RMSE beside
the true model's.`;

export const command: Command = {
  summary: 'generate 2M synthetic ratings (cached), train the recommender streaming, compare with the true RMSE',
  async run(argv) {
    const args = parseCommandArgs(argv, { rows: { type: 'string' }, epochs: { type: 'string' }, backend: { type: 'string' }, seed: { type: 'string' }, cache: { type: 'string' } }, HELP);
    if (args === undefined) return 0;
    const rows = numberOption('rows', args.values.rows, 2_000_000, 1000);
    const epochs = numberOption('epochs', args.values.epochs, 4, 1);
    const seed = numberOption('seed', args.values.seed, 0);
    const { generateRatings } = await import('../pipelines/synthetic/generate.js');
    const { trainRecommender } = await import('../pipelines/movielens/train.js');

    // Never inside the package (node_modules/sluice): a temp dir, or the one asked for.
    const cache = path.resolve(args.values.cache ?? path.join(os.tmpdir(), 'sluice-demo'));
    await mkdir(cache, { recursive: true });
    const file = path.join(cache, `synthetic-${rows}-seed${seed}.csv`);
    const truthFile = `${file}.truth.json`;
    type Truth = Awaited<ReturnType<typeof generateRatings>>;
    let truth: Truth;
    if (existsSync(file) && existsSync(truthFile)) {
      truth = JSON.parse(await readFile(truthFile, 'utf8')) as Truth;
      process.stdout.write(`demo: using cached ${path.relative(process.cwd(), file)} (${truth.rows.toLocaleString('en')} ratings)\n`);
    } else {
      process.stdout.write(`demo: generating ${rows.toLocaleString('en')} synthetic ratings → ${path.relative(process.cwd(), file)} …\n`);
      const t = performance.now();
      // Written under a temporary name so an interrupted run never leaves a half file in the cache.
      truth = await generateRatings(`${file}.part`, { rows, seed });
      await rename(`${file}.part`, file);
      truth = { ...truth, file };
      await writeFile(truthFile, JSON.stringify(truth, null, 2) + '\n');
      process.stdout.write(`demo: generated in ${((performance.now() - t) / 1000).toFixed(1)} s (${truth.users.toLocaleString('en')} users × ${truth.items.toLocaleString('en')} items)\n`);
    }

    let bar: Progress | undefined;
    let lastEpoch = -1;
    const backend = (args.values.backend ?? 'auto') as 'auto';
    const r = await trainRecommender(file, {
      epochs,
      seed,
      backend,
      split: truth.split,
      onBatch: ({ epoch, batch, batches, loss, seconds }) => {
        if (epoch !== lastEpoch) {
          bar?.stop();
          lastEpoch = epoch;
          bar = progress({ label: `epoch ${epoch + 1}/${epochs}`, total: batches, extra: '{rate} batch/s loss {loss}', initial: { rate: 0, loss: '-' } });
        }
        if ((batch & 15) === 0 || batch === batches) bar!.update(batch, { rate: Math.round(batch / Math.max(seconds, 1e-9)), loss: loss.toFixed(4) });
      },
    });
    bar?.stop();
    const ratio = r.testRmse / truth.trueTestRmse;
    process.stdout.write(
      `demo: trained on ${r.rows.toLocaleString('en')} rows × ${r.epochs} epochs (${r.backend}) in ${r.seconds.toFixed(1)} s, ` +
        `${Math.round(r.samplesPerSecond).toLocaleString('en')} samples/s, loader wait ${(r.loaderWaitFraction * 100).toFixed(1)}%, peak RSS ${Math.round(r.peakRssMb)} MB\n` +
        `demo: test RMSE ${r.testRmse.toFixed(4)} (MAE ${r.testMae.toFixed(4)}) vs true model ${truth.trueTestRmse.toFixed(4)} on the same ${r.testRows.toLocaleString('en')} test rows: ` +
        `${ratio <= 1.1 ? 'within' : 'NOT within'} 10% (×${ratio.toFixed(3)})\n`,
    );
    return 0;
  },
};
