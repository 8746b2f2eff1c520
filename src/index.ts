// The public surface: re-exports only.
export { Dataset, type EpochOptions } from './dataset.js';
export {
  type Chunk,
  type ChunkIterator,
  type ChunkSource,
  type ColumnBatch,
  ColumnChunk,
  type DType,
  type NumericArray,
  type NumericDType,
  type NumericRecord,
  type Schema,
  CHUNK_SIZE,
} from './chunk.js';
export { SluiceError, OptionError, StageError, DataError, type BadRowInfo } from './errors.js';
export type { Batched, BatchOptions } from './stages/batch.js';
export type { ShuffleOptions } from './stages/shuffle.js';
export { range } from './sources/range.js';
export { fromIterable, type AnyIterable } from './sources/iterable.js';
export { fromStream } from './sources/stream.js';
export { lines, type LinesOptions } from './sources/lines.js';
export { FileError, readBytes, type ReadBytesOptions } from './sources/file.js';
export { Sequence, fromSequence, type FromSequenceOptions } from './sources/sequence.js';
export { randomInt, mixSeed, permutation, type RandomInt } from './random.js';
