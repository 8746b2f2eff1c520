// The worked example of issue 15: ratings joined with user features (occupation → id by a
// learnt lookup, age → bucket) and item features (genres → multi-hot), ids made dense by
// lookups, feeding a tf.LayersModel through toTfDataset / fitDataset. Every step is a
// column-wise stage; the genres travel as one int32 combination id until the batch.
// Formats: ml-100k (u.data, u.user, u.item) and ml-latest(-small) (ratings.csv, movies.csv;
// no user table there: occupation and age are then a constant 0).
import { Bucketize, ColumnChunk, csv, Dataset, FormatError, Lookup, MultiValued, type RowOf, Vocabulary } from '../../src/core.js';
import * as tf from '../../src/tf/tf.js';
import { EmbeddingLookup } from '../../src/tf/embedding.js';
import { readHeaderSync } from '../../src/csv/header.js';
import { detectFormat } from './format.js';
import { readRatings } from './read.js';

/** Where the files are: `users` only for ml-100k (u.user). */
export interface FeatureFiles {
  /** u.data or ratings.csv. */
  ratings: string;
  /** u.item or movies.csv. */
  items: string;
  /** u.user (ml-100k). */
  users?: string;
}

/** ml-1m's age groups (under 18, 18–24, 25–34, 35–44, 45–49, 50–55, 56+). */
export const AGE_BOUNDARIES = [18, 25, 35, 45, 50, 56];

/** u.item's 24 fields; the last 19 are genre flags (ML100K_GENRES in pipelines/synthetic). */
const U_ITEM_GENRES = ['unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy', 'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western'];

export interface FeatureOptions {
  batchSize?: number;
  /** Shuffle buffer (rows); default 100,000. */
  shuffle?: number;
  seed?: number;
  /** Occupation ids kept (the most frequent); default all. */
  maxOccupations?: number;
}

/** The fitted transforms: save them with JSON.stringify, load with each class's fromJSON. */
export interface FittedFeatures {
  userId: Lookup<'userId'>;
  movieId: Lookup<'movieId'>;
  occupation: Lookup<'occupation'>;
  age: Bucketize<'age'>;
  genres: MultiValued<'genres'>;
}

type ItemTable = { movieId: Int32Array; genres: Int32Array };

/**
 * Fits the transforms (one streamed pass each) and returns them with the training batches:
 * `{ userId, movieId, occupation, age: Int32Array, rating: Float32Array, genres: Float32Array
 * (size × genres.width) }`.
 * @example
 * const { batches, fitted } = await movieLensFeatures({ ratings: 'ml-100k/u.data', users: 'ml-100k/u.user', items: 'ml-100k/u.item' });
 * const model = featureModel(fitted);
 * await model.fitDataset(toTfDataset(batches, { xs: FEATURE_INPUTS, ys: 'rating' }), { epochs: 5 });
 */
export async function movieLensFeatures(files: FeatureFiles, options: FeatureOptions = {}) {
  const ratings = readRatings(files.ratings, await detectFormat(files.ratings));
  const items = await readItems(files.items);
  const genres = await MultiValued.fit(tableDataset(items.table), 'genres', { vocabulary: items.vocabulary });
  const userId = await Lookup.fit(ratings, 'userId');
  const movieId = await Lookup.fit(ratings, 'movieId');
  const age = Bucketize.from('age', AGE_BOUNDARIES);
  const users = files.users === undefined ? undefined : csv(files.users, { delimiter: '|', header: ['userId', 'age', 'gender', 'occupation', 'zip'], columns: { userId: 'int32', age: 'int32', occupation: 'category' } });
  const occupation = users === undefined
    ? Lookup.fromJSON<'occupation'>({ kind: 'lookup', column: 'occupation', tokens: [], numOov: 1 })
    : await Lookup.fit(users, 'occupation', { vocabulary: users.vocabularies.occupation, ...(options.maxOccupations === undefined ? {} : { maxTokens: options.maxOccupations }) });
  const withItems = ratings.join(items.table, { on: 'movieId', columns: ['genres'] });
  const withUsers = users === undefined
    ? withItems.withColumn('occupation', (_, size) => new Int32Array(size)).withColumn('age', (_, size) => new Int32Array(size))
    : withItems.join(age.apply(occupation.apply(users)).select('userId', 'occupation', 'age'), { on: 'userId', columns: ['occupation', 'age'] });
  const rows = movieId.apply(userId.apply(withUsers));
  const batches = genres.multiHot(rows.shuffle(options.shuffle ?? 100_000, { seed: options.seed ?? 0 }).batch(options.batchSize ?? 1024));
  const fitted: FittedFeatures = { userId, movieId, occupation, age, genres };
  return { batches, fitted };
}

/** The model's inputs, in order: the batch columns for toTfDataset's `xs`. */
export const FEATURE_INPUTS = ['userId', 'movieId', 'occupation', 'age', 'genres'] as const;

/**
 * A small LayersModel over the features: embeddings of user, movie, occupation and age
 * bucket (EmbeddingLookup: its gradient runs on wasm), a dense layer over the genres
 * multi-hot, concatenated, then two dense layers to a rating; MSE, Adam.
 */
export function featureModel(f: FittedFeatures, options: { dim?: number; learningRate?: number; seed?: number } = {}): tf.LayersModel {
  const dim = options.dim ?? 16;
  const id = (name: string) => tf.input({ name, shape: [], dtype: 'int32' });
  const inputs = [id('userId'), id('movieId'), id('occupation'), id('age'), tf.input({ name: 'genres', shape: [f.genres.width] })];
  const sizes = [f.userId.size, f.movieId.size, f.occupation.size, f.age.buckets];
  const embedded = sizes.map((n, k) => new EmbeddingLookup({ inputDim: n, outputDim: dim }).apply(inputs[k]!) as tf.SymbolicTensor);
  const genres = tf.layers.dense({ units: dim, kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed ?? 0 }) }).apply(inputs[4]!) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate().apply([...embedded, genres]) as tf.SymbolicTensor;
  const hidden = tf.layers.dense({ units: 32, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: (options.seed ?? 0) + 1 }) }).apply(joined) as tf.SymbolicTensor;
  const rating = tf.layers.dense({ units: 1, biasInitializer: tf.initializers.constant({ value: 3.5 }) }).apply(hidden) as tf.SymbolicTensor;
  const model = tf.model({ inputs, outputs: new DropLastAxis().apply(rating) as tf.SymbolicTensor });
  model.compile({ optimizer: tf.train.adam(options.learningRate ?? 0.01), loss: 'meanSquaredError' });
  return model;
}

/** [batch, 1] → [batch]: the model's rating matches the batch's `rating` column. */
class DropLastAxis extends tf.layers.Layer {
  static readonly className = 'SluiceDropLastAxis';
  override computeOutputShape(shape: tf.Shape): tf.Shape {
    return shape.slice(0, -1);
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.reshape(x, [-1]);
  }
}
// Registered, so that a saved feature model loads again (tf.loadLayersModel).
tf.serialization.registerClass(DropLastAxis);

/**
 * The layout of an item table, told by its first line (not its name): u.item's 24
 * '|'-separated fields with a numeric id first, or a header naming movieId and genres
 * (movies.csv).
 */
function itemLayout(file: string): 'u.item' | 'movies.csv' {
  const first = readHeaderSync(file, '|', 1 << 20).names ?? [];
  if (first.length === 5 + U_ITEM_GENRES.length && /^\d+$/.test(first[0]!.trim())) return 'u.item';
  const header = readHeaderSync(file, ',', 1 << 20).names ?? [];
  if (header.includes('movieId') && header.includes('genres')) return 'movies.csv';
  throw new FormatError(file, `not an item table sluice knows (u.item: 24 '|'-separated fields, the last 19 genre flags; movies.csv: a header with movieId and genres); its first line has ${first.length} '|'-separated fields`);
}

/** movieId and genres of u.item (19 flags) or movies.csv ("A|B"), genres as ids of combinations ("Action|Comedy"). */
async function readItems(file: string): Promise<{ table: ItemTable; vocabulary: Vocabulary }> {
  const vocabulary = new Vocabulary();
  const ids: number[] = [];
  const combos: number[] = [];
  if (itemLayout(file) === 'u.item') {
    const header = ['movieId', 'title', 'date', 'video', 'url', ...U_ITEM_GENRES.map((_, k) => `g${k}`)];
    const columns = Object.fromEntries([['movieId', 'int32'], ...U_ITEM_GENRES.map((_, k) => [`g${k}`, 'int32'])]) as Record<string, 'int32'>;
    for await (const b of csv(file, { delimiter: '|', header, columns }).batch(4096)) {
      for (let i = 0; i < b.size; i++) {
        ids.push(b.columns.movieId![i]!);
        combos.push(vocabulary.idOf(U_ITEM_GENRES.filter((_, k) => b.columns[`g${k}`]![i] === 1).join('|')));
      }
    }
  } else {
    const movies = csv(file, { columns: { movieId: 'int32', genres: 'category' }, vocabularies: { genres: vocabulary } });
    for await (const b of movies.batch(4096)) {
      ids.push(...b.columns.movieId);
      combos.push(...b.columns.genres);
    }
  }
  return { table: { movieId: Int32Array.from(ids), genres: Int32Array.from(combos) }, vocabulary };
}

/** A table of typed arrays as a one-chunk dataset (for a fit over it). */
function tableDataset<C extends ItemTable>(table: C): Dataset<RowOf<C>, C> {
  return new Dataset<RowOf<C>, C>({
    size: table.movieId.length,
    schema: { movieId: 'int32', genres: 'int32' },
    async *open() {
      yield new ColumnChunk<RowOf<C>>(table.movieId.length, table);
      return undefined;
    },
  });
}
