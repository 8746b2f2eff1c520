// sluice's TensorFlow.js adapter: the only part of sluice that imports @tensorflow/*.
export { useBackend, type BackendChoice, type BackendName } from './backend.js';
export {
  toTfDataset,
  type ArrayBatch,
  type ColumnsLike,
  type SizedTfDataset,
  type TfElement,
  type ToTfDatasetOptions,
  type XsSpec,
  type YsSpec,
} from './dataset.js';
export {
  embeddingLookup,
  EmbeddingLookup,
  type EmbeddingLookupArgs,
  scatterAdd,
} from './embedding.js';
export { SparseEmbedding, type SparseEmbeddingOptions, type SparseEmbeddingState } from './sparse-embedding.js';
export { BIASED_MF_TABLES, BiasedMF, type BiasedMfOptions, type BiasedMfState, recommenderModel, type RecommenderModelOptions, setLearningRate } from './recommender.js';
