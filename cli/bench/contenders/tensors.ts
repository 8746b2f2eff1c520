// The last step of every benchmark pipeline: a batch's typed arrays become tensors.
import * as tf from '../../../src/tf/tf.js';
import type { ColumnBatch } from '../../../src/chunk.js';
import { silenceCpuBanner } from '../../../src/tf/backend.js';

let ready: Promise<void> | undefined;

/** Selects the cpu backend once: the benchmark only creates tensors, so no faster backend is needed. */
export function useCpu(): Promise<void> {
  ready ??= tf
    .setBackend('cpu')
    .then(() => tf.ready())
    .then(() => silenceCpuBanner());
  return ready;
}

/**
 * Makes one tensor per column of `batch` straight from its typed arrays (int32 stays int32,
 * floats become float32), then disposes them and releases the batch (ColumnBatch.release:
 * its memory serves the next batches, as toTfDataset's reuseBatches does on wasm): the cost
 * a training step would pay.
 * @example
 * for await (const b of ds.batch(1024)) batchToTensors(b);
 */
export function batchToTensors(batch: ColumnBatch): void {
  const made: tf.Tensor[] = [];
  for (const name in batch.columns) {
    const col = batch.columns[name]!;
    made.push(col instanceof Int32Array ? tf.tensor1d(col, 'int32') : tf.tensor1d(col instanceof Float32Array ? col : Float32Array.from(col), 'float32'));
  }
  tf.dispose(made);
  batch.release?.();
}
