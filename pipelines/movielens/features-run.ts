// Trains the worked example (features.ts) on MovieLens files and prints the loss per epoch.
//   node --import tsx pipelines/movielens/features-run.ts --ratings ml-100k/u.data --users ml-100k/u.user --items ml-100k/u.item [--epochs 5] [--batch 1024] [--save stats.json]
//   node --import tsx pipelines/movielens/features-run.ts --ratings ml-latest-small/ratings.csv --items ml-latest-small/movies.csv
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { toTfDataset, useBackend } from '../../src/tf/index.js';
import { FEATURE_INPUTS, featureModel, movieLensFeatures } from './features.js';

const { values } = parseArgs({ options: { ratings: { type: 'string' }, users: { type: 'string' }, items: { type: 'string' }, epochs: { type: 'string', default: '5' }, batch: { type: 'string', default: '1024' }, save: { type: 'string' } } });
if (values.ratings === undefined || values.items === undefined) throw new Error('features-run: --ratings and --items are required (--users for ml-100k)');
const backend = await useBackend('auto');
const t0 = performance.now();
const { batches, fitted } = await movieLensFeatures({ ratings: values.ratings, items: values.items, ...(values.users === undefined ? {} : { users: values.users }) }, { batchSize: Number(values.batch) });
console.log(`fitted in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${fitted.userId.size} user ids, ${fitted.movieId.size} movie ids, ${fitted.occupation.size} occupation ids, ${fitted.age.buckets} age buckets, genres multi-hot width ${fitted.genres.width} (backend ${backend})`);
if (values.save !== undefined) writeFileSync(values.save, JSON.stringify(fitted, null, 1));
const model = featureModel(fitted);
const train = toTfDataset(batches, { xs: [...FEATURE_INPUTS], ys: 'rating' });
await model.fitDataset(train, {
  epochs: Number(values.epochs),
  verbose: 0,
  callbacks: { onEpochEnd: async (epoch, logs) => console.log(`epoch ${epoch + 1}: loss (MSE) ${logs?.loss?.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`) },
});
await train.close();
