// MovieLens: formats, id maps, the deterministic split, and training the recommender.
export { type ColumnMapping, detectFormat, parseColumnMapping, parseDelimiter, type Delimiter, type RatingsFormat, ROLES, type Role } from './format.js';
export { ratingsCsvOptions, readRatings, RATING_SCHEMA, type Rating } from './read.js';
export { isTestRow, pairHash } from './split.js';
export { IdIndex, type IdIndexState, indexRatings, type RatingsIndex } from './ids.js';
export { ErrorStats, mae, rmse } from '../../src/index.js';
export { allRows, type Example, type ExampleColumns, testSplit, trainingRowsOf, trainingSet } from './examples.js';
export { DEFAULTS, DivergedError, evaluate, trainingBatches, trainRecommender, type TrainOptions, type TrainResult, type TrainSettings } from './train.js';
export { epochBatches, loaderPipeline, type LoaderArgs, SHUFFLE_MODES, type ShuffleMode } from './loader.js';
export { CHECKPOINT_FILE, type Checkpoint, CheckpointError, type CheckpointHeader, checkFingerprint, checkResume, fingerprint, readCheckpoint, type RunFingerprint, writeCheckpoint } from './checkpoint.js';
export { AGE_BOUNDARIES, FEATURE_INPUTS, featureModel, type FeatureFiles, type FeatureOptions, type FittedFeatures, movieLensFeatures } from './features.js';
