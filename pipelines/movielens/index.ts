// MovieLens: formats, id maps, the deterministic split, and training the recommender.
export { detectFormat, parseDelimiter, type Delimiter, type RatingsFormat } from './format.js';
export { readRatings, RATING_SCHEMA, type Rating } from './read.js';
export { isTestRow, pairHash } from './split.js';
export { IdIndex, type IdIndexState, indexRatings, type RatingsIndex } from './ids.js';
export { ErrorStats, mae, rmse } from '../../src/index.js';
export { allRows, type Example, type ExampleColumns, testSplit, trainingRowsOf, trainingSet } from './examples.js';
export { DEFAULTS, evaluate, trainingBatches, trainRecommender, type TrainOptions, type TrainResult } from './train.js';
export { epochBatches, loaderPipeline, type LoaderArgs, SHUFFLE_MODES, type ShuffleMode } from './loader.js';
export { CHECKPOINT_FILE, type Checkpoint, type CheckpointHeader, checkFingerprint, fingerprint, readCheckpoint, type RunFingerprint, writeCheckpoint } from './checkpoint.js';
