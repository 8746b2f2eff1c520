// The training pipeline as a module, so that `background()` can build it on a worker
// thread: decoding, the split, id mapping, the shuffle and batching then overlap training
// on the main thread instead of adding to it (2 cores: one trains, one loads).
import type { ColumnBatch } from '../../src/index.js';
import type { RatingsFormat } from './format.js';
import { IdIndex, type IdIndexState, type RatingsIndex } from './ids.js';
import { type Example, trainingSet } from './examples.js';

/** Everything the worker needs, structured-cloneable. */
export interface LoaderArgs {
  file: string;
  format: RatingsFormat;
  users: IdIndexState;
  items: IdIndexState;
  trainRows: number;
  split: { fraction: number; seed: number };
  shuffleBuffer: number;
  batch: number;
  seed: number;
  /** Epochs in the stream (repeat). */
  epochs: number;
}

/** What `trainRecommender` iterates: shuffled batches of mapped training rows, `epochs` times over. */
export function loaderPipeline(args: LoaderArgs) {
  const index: RatingsIndex = {
    users: IdIndex.fromState(args.users),
    items: IdIndex.fromState(args.items),
    trainRows: args.trainRows,
    testRows: 0,
    mean: 0,
    min: 0,
    max: 0,
  };
  return trainingSet(args.file, args.format, index, args.split)
    .shuffle(args.shuffleBuffer, { seed: args.seed })
    .batch(args.batch)
    .map(compact)
    .repeat(args.epochs);
}

export default loaderPipeline;

/**
 * A batch whose columns own their buffers: batches are views into the shuffle's output
 * chunks, and posting a view would clone the whole chunk's buffer.
 */
function compact(b: ColumnBatch<Example>): ColumnBatch<Example> {
  const c = b.columns as unknown as { user: Int32Array; item: Int32Array; rating: Float32Array };
  const whole = (a: ArrayBufferView) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
  if (whole(c.user) && whole(c.item) && whole(c.rating)) return b;
  return { size: b.size, columns: { user: c.user.slice(), item: c.item.slice(), rating: c.rating.slice() } } as unknown as ColumnBatch<Example>;
}
