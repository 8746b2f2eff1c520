// The public surface without TensorFlow.js: re-exports only. `sluice` adds src/tf.
export { Dataset, type EpochOptions } from './dataset.js';
export {
  type Chunk,
  type ChunkIterator,
  type ChunkSource,
  type ColumnBatch,
  ColumnChunk,
  type ArrayOf,
  type AnyColumns,
  type ColumnsOf,
  type ColumnsOfSchema,
  type RowOf,
  type DType,
  type NumericArray,
  type NumericDType,
  type NumericRecord,
  type Schema,
  CHUNK_SIZE,
} from './chunk.js';
export { SluiceError, OptionError, StageError, DataError, FormatError, AbortError, type BadRowInfo } from './errors.js';
export { checkOptionNames, nearestName } from './options.js';
export { ErrorStats, mae, rmse } from './metrics.js';
export type { Batched, BatchOptions } from './stages/batch.js';
export type { ShuffleOptions } from './stages/shuffle.js';
export type { InterleaveOptions } from './stages/interleave.js';
export { range } from './sources/range.js';
export { fromIterable, type AnyIterable } from './sources/iterable.js';
export { fromStream } from './sources/stream.js';
export { lines, type LinesOptions } from './sources/lines.js';
export { FileError, readBytes, type ReadBytesOptions, removeOrphans } from './io/file.js';
export { Sequence, fromSequence, type FromSequenceOptions } from './sources/sequence.js';
export { randomInt, mixSeed, permutation, type RandomInt } from './random.js';
export { EpochCursor, type EpochState } from './resume.js';
export { Vocabulary } from './csv/categorical.js';
export type { CsvDType } from './csv/fields.js';
export { csv, CsvDataset, type CategoryNames, type CsvOptions, type CsvColumns, type CsvRow, type CsvEngine, type CsvStats, type CsvRecord, type BadRowPolicy } from './csv/reader.js';
export { openBytes, type OpenBytesOptions } from './io/bytes.js';
export { isUrl, isGzip } from './io/source-kind.js';
export { blockShuffle, type BlockShuffleOptions } from './shuffle/block.js';
export type { MapParallelOptions, WorkerFn } from './stages/map-parallel.js';
export { fileFingerprint, writeArrow, type CacheOptions, type Fingerprinted } from './stages/cache.js';
export { arrow, ArrowFormatError, type ArrowOptions } from './sources/arrow.js';
export { parquet, ParquetFormatError, type ParquetOptions } from './sources/parquet.js';
export { shuffledCsv, type ShuffledCsvOptions } from './csv/shuffled.js';
export { shuffledCsvFiles, CsvFilesDataset, type CsvFilesOptions } from './sources/csv-files.js';
export { joinPositions, type ShardSpec, type ShardPosition, type JobPosition, type Layout, type Cursor } from './shuffle/shard-plan.js';
export { Coverage, type Receipt } from './shuffle/coverage.js';
export { objectStore, type ObjectStore, type ObjectStoreOptions } from './io/object-store.js';
export { RemoteObject, RemoteReadError, ObjectChangedError, isS3, type ObjectInfo } from './io/remote.js';
export { readRemote, type RemoteBytesOptions } from './io/remote-stream.js';
export { BlockCache, type BlockCacheOptions, type BlockKey } from './io/block-cache.js';
export { listFiles, type ListedFile } from './io/listing.js';
export { csvParallel, type CsvParallelOptions } from './csv/parallel.js';
export { background, type BackgroundOptions } from './sources/background.js';
export { inspect, type InspectResult, type InspectOptions, type ColumnSummary } from './csv/inspect.js';
export { withStats, StatsDataset, type StatsOptions } from './stats/track.js';
export { findBottleneck } from './stats/bottleneck.js';
export { formatStats, type PipelineStats, type StageStats, type Bottleneck } from './stats/model.js';
export type { WorkerStats } from './stats/threads.js';
export { withProgress, type ProgressInfo } from './stats/progress.js';
export { HandOver, idleCpuMeter, type AutotunePolicy, type AutotuneReport } from './stats/autotune.js';
export { type ApplyOptions, type FitOptions, type Transformed, type TransformedDataset } from './features/column.js';
export { Normalize, type NormalizeStats } from './features/normalize.js';
export { Bucketize, type BucketizeStats, type BucketizeFitOptions } from './features/bucketize.js';
export { HashBuckets, hashText, hashNumber, type HashStats, type HashOptions } from './features/hash.js';
export { Lookup, type LookupStats, type LookupFitOptions, type Token } from './features/lookup.js';
export { MultiValued, type MultiValuedStats, type MultiValuedFitOptions, type WideBatch } from './features/multi-valued.js';
