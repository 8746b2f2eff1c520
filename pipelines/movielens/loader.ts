// The training pipeline as a module, so that `background()` can build it on a worker
// thread: decoding, the split, id mapping, the shuffle and batching then overlap training
// on the main thread instead of adding to it (2 cores: one trains, one loads).
import { type BlockShuffleOptions, type Chunk, type ColumnBatch, ColumnChunk, Dataset, EpochCursor, type EpochState, mixSeed, permutation, randomInt, shuffledCsv, SluiceError } from '../../src/core.js';
import type { RatingsFormat } from './format.js';
import { IdIndex, type IdIndexState, type RatingsIndex } from './ids.js';
import { type Example, type ExampleColumns, trainingRowsOf, trainingSet } from './examples.js';
import { ratingsCsvOptions, type Rating } from './read.js';
import { oneBuffer } from '../../src/workers/wire.js';

/**
 * How the training rows are shuffled each epoch (every mode: each row exactly once per
 * epoch, the same order for the same seed and epoch):
 * - 'buffer': the file in its order through a shuffle buffer of `shuffleBuffer` rows. On a
 *   user-sorted file a batch then holds only the few users the buffer spans.
 * - 'block': `shuffledCsv`, the file read in 1 MiB blocks, 32 to a window (one block from
 *   each 32nd of the file), each window permuted: near-uniform with memory of about two
 *   windows (32 MiB of file each).
 * - 'memory': a perfect shuffle of all training rows held in memory (12 bytes a row): the
 *   reference for benchmarks, not for files larger than memory.
 */
export type ShuffleMode = 'buffer' | 'block' | 'memory';
export const SHUFFLE_MODES: readonly ShuffleMode[] = ['buffer', 'block', 'memory'];

/** Everything the worker needs, structured-cloneable. */
export interface LoaderArgs {
  file: string;
  format: RatingsFormat;
  users: IdIndexState;
  items: IdIndexState;
  trainRows: number;
  split: { fraction: number; seed: number };
  /** Default 'buffer' (what callers that predate the option expect). */
  shuffle?: ShuffleMode;
  /** Rows in the shuffle buffer ('buffer' mode only). */
  shuffleBuffer?: number | undefined;
  /** Block sizes etc. of 'block' mode (its defaults otherwise; the seed is `seed`). */
  blockShuffle?: Omit<BlockShuffleOptions, 'seed'> | undefined;
  /** shuffledCsv's `workers` in 'block' mode. Default 'auto'. */
  blockWorkers?: number | 'auto';
  batch: number;
  seed: number;
  /** Epochs in the stream: it ends after epoch `epochs - 1`. */
  epochs: number;
  /** Where the stream starts (an EpochCursor state counted in batches). Default epoch 0, batch 0. */
  from?: EpochState;
}

/**
 * What `trainRecommender` iterates: shuffled batches of mapped training rows, from
 * `args.from` to the end of epoch `epochs - 1`, as one stream. Epoch e is always the same
 * batches (shuffles seed from seed and e), so a resumed run (from { epoch, position })
 * gets exactly the batches the interrupted one had not trained on. The shuffle buffer is
 * not saved: the replay rebuilds it, re-reading the consumed part of the epoch at decode
 * speed; those batches are skipped before they leave this pipeline, never repeated.
 */
export function loaderPipeline(args: LoaderArgs): Dataset<ColumnBatch<Example, ExampleColumns>> {
  const perEpoch = epochBatches(args);
  const from = args.from ?? { epoch: 0, position: 0 };
  const perEpochBatches = Math.ceil(args.trainRows / args.batch);
  const remaining = Math.max(0, (args.epochs - from.epoch) * perEpochBatches - from.position);
  return new Dataset<ColumnBatch<Example, ExampleColumns>>({
    size: remaining,
    open: () => run(),
  });

  async function* run(): AsyncGenerator<Chunk<ColumnBatch<Example, ExampleColumns>>, undefined> {
    const cursor = new EpochCursor(perEpoch, from);
    // Batches go out in small groups: one chunk (one worker message) per few batches.
    let group: ColumnBatch<Example, ExampleColumns>[] = [];
    while (cursor.epoch < args.epochs) {
      for await (const b of cursor.run()) {
        group.push(b);
        if (group.length === 4) {
          yield group;
          group = [];
        }
      }
    }
    if (group.length > 0) yield group;
    return undefined;
  }
}

export default loaderPipeline;

/** One epoch of batches (epoch e as `chunks({ epoch: e })`), in the chosen shuffle mode. */
export function epochBatches(args: LoaderArgs): Dataset<ColumnBatch<Example, ExampleColumns>> {
  const index: RatingsIndex = {
    users: IdIndex.fromState(args.users),
    items: IdIndex.fromState(args.items),
    trainRows: args.trainRows,
    testRows: 0,
    mean: 0,
    min: 0,
    max: 0,
  };
  const mode = args.shuffle ?? 'buffer';
  let rows: Dataset<Example, ExampleColumns>;
  if (mode === 'buffer') {
    rows = trainingSet(args.file, args.format, index, args.split).shuffle(args.shuffleBuffer ?? 250_000, { seed: args.seed });
  } else if (mode === 'block') {
    const o = ratingsCsvOptions(args.format);
    const read = shuffledCsv(args.file, { ...o.csv, workers: args.blockWorkers ?? 'auto', shuffle: { ...args.blockShuffle, seed: args.seed } });
    const source = (o.rename === undefined ? read : read.rename(o.rename)) as unknown as Dataset<Rating>;
    rows = trainingRowsOf(source, index, args.split);
  } else {
    rows = inMemoryShuffle(trainingSet(args.file, args.format, index, args.split), args.seed);
  }
  return rows.batch(args.batch).map(compact);
}

/**
 * A perfect shuffle: every row read into memory once (the first epoch), then each epoch a
 * seeded permutation of all of them (seed mixed with the epoch number).
 */
function inMemoryShuffle(rows: Dataset<Example, ExampleColumns>, seed: number): Dataset<Example, ExampleColumns> {
  let all: { user: Int32Array; item: Int32Array; rating: Float32Array } | undefined;
  let counter = 0;
  return new Dataset<Example, ExampleColumns>({ size: rows.size, schema: rows.source.schema, open: (e) => run(e ?? counter++) });

  async function* run(epoch: number): AsyncGenerator<Chunk<Example>, undefined> {
    counter = epoch + 1;
    all ??= await load();
    const n = all.user.length;
    const order = permutation(n, randomInt(mixSeed(seed, epoch)));
    const CHUNK = 8192;
    for (let start = 0; start < n; start += CHUNK) {
      const m = Math.min(CHUNK, n - start);
      const u = new Int32Array(m);
      const i = new Int32Array(m);
      const r = new Float32Array(m);
      for (let k = 0; k < m; k++) {
        const j = order[start + k]!;
        u[k] = all.user[j]!;
        i[k] = all.item[j]!;
        r[k] = all.rating[j]!;
      }
      yield new ColumnChunk<Example, ExampleColumns>(m, { user: u, item: i, rating: r });
    }
    return undefined;
  }

  async function load() {
    const parts: ColumnChunk<Example, ExampleColumns>[] = [];
    let n = 0;
    for await (const chunk of rows.chunks({ epoch: 0 })) {
      if (!(chunk instanceof ColumnChunk)) throw new SluiceError(`inMemoryShuffle: expected columnar chunks of examples, got an array of ${chunk.length}`);
      parts.push(chunk);
      n += chunk.size;
    }
    const out = { user: new Int32Array(n), item: new Int32Array(n), rating: new Float32Array(n) };
    let at = 0;
    for (const p of parts) {
      out.user.set(p.columns.user.subarray(0, p.size), at);
      out.item.set(p.columns.item.subarray(0, p.size), at);
      out.rating.set(p.columns.rating.subarray(0, p.size), at);
      at += p.size;
    }
    return out;
  }
}

/**
 * A batch whose columns own their buffers (a buffer each, or one they share and cover):
 * batches are views into the shuffle's output chunks, and posting a view would clone the
 * whole chunk's buffer.
 */
function compact(b: ColumnBatch<Example, ExampleColumns>): ColumnBatch<Example, ExampleColumns> {
  const c = b.columns;
  const whole = (a: ArrayBufferView) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
  if ((whole(c.user) && whole(c.item) && whole(c.rating)) || oneBuffer([c.user, c.item, c.rating]) !== undefined) return b;
  return { size: b.size, columns: { user: c.user.slice(), item: c.item.slice(), rating: c.rating.slice() } };
}
