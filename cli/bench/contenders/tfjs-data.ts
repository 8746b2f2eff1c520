// The `tfjs-data` contender: the loader sluice replaces, on the same file and pipeline shape.
import * as path from 'node:path';
import * as tf from '../../../src/tf/tf.js';
import type { ContenderArgs, ContenderResult } from './contender.js';
import { useCpu } from './tensors.js';

/**
 * `tf.data.csv('file://…') → shuffle → batch`, iterated to the end of the file or of the
 * time budget, every batch's tensors disposed. On Node `file://` is read whole with
 * `fs.readFileSync` before the first row, so its peak RSS grows with the file; that read
 * is inside the timed span because it is part of the pipeline.
 * @example
 * await tfjsData({ file, batch: 1024, shuffle: 10000, seed: 1, budgetS: 30, columns: DEFAULT_COLUMNS });
 */
export async function tfjsData(args: ContenderArgs): Promise<ContenderResult> {
  await useCpu();
  const columnConfigs: Record<string, { dtype: 'int32' | 'float32' }> = {};
  for (const [name, dtype] of Object.entries(args.columns)) columnConfigs[name] = { dtype: dtype === 'int32' ? 'int32' : 'float32' };
  const started = performance.now();
  const deadline = started + args.budgetS * 1000;
  const ds = tf.data
    .csv(`file://${path.resolve(args.file)}`, { hasHeader: args.names === undefined, ...(args.names === undefined ? {} : { columnNames: [...args.names] }), delimiter: args.delimiter ?? ',', columnConfigs, configuredColumnsOnly: true })
    .shuffle(args.shuffle, String(args.seed))
    .batch(args.batch);
  const it = await ds.iterator();
  let rows = 0;
  let complete = true;
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    const value = r.value as Record<string, tf.Tensor>;
    const first = Object.values(value)[0];
    rows += first === undefined ? 0 : first.shape[0]!;
    tf.dispose(value);
    if (performance.now() > deadline) {
      complete = false;
      break;
    }
  }
  return { rows, seconds: (performance.now() - started) / 1000, complete };
}
