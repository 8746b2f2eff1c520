import { type Chunk, ColumnChunk, Dataset } from '../../src/core.js';
import type { RatingsFormat } from './format.js';
import { columnsOf, type IdIndex, type RatingsIndex } from './ids.js';
import { type Rating, readRatings } from './read.js';
import { isTestRow } from './split.js';

/** A rating with ids already mapped to embedding rows. */
export type Example = { user: number; item: number; rating: number };
/** The columns of chunks and batches of Examples. */
export type ExampleColumns = { user: Int32Array; item: Int32Array; rating: Float32Array };

/**
 * The training rows of `file` with ids mapped to rows, as columnar chunks. Its size is
 * known from the index pass, so batch counts and progress ETAs are exact.
 */
export function trainingSet(file: string, format: RatingsFormat, index: RatingsIndex, split: { fraction: number; seed: number }): Dataset<Example, ExampleColumns> {
  return trainingRowsOf(readRatings(file, format), index, split);
}

/**
 * The training rows of any ratings source (e.g. the file read in block-shuffled order),
 * ids mapped to rows, in the source's order. The epoch number is passed on to the source,
 * so a shuffled source gives epoch e's order every time epoch e is asked for.
 * @example
 * const rows = trainingRowsOf(shuffledCsv(file, { columns: RATING_SCHEMA }), index, split);
 */
export function trainingRowsOf(source: Dataset<Rating>, index: RatingsIndex, split: { fraction: number; seed: number }): Dataset<Example, ExampleColumns> {
  return mapped(source, index.users, index.items, index.trainRows, (u, m) => !(split.fraction > 0 && isTestRow(u, m, split.fraction, split.seed)));
}

/** The held-out rows of the hash split. */
export function testSplit(file: string, format: RatingsFormat, index: RatingsIndex, split: { fraction: number; seed: number }): Dataset<Example, ExampleColumns> {
  return mapped(readRatings(file, format), index.users, index.items, index.testRows, (u, m) => split.fraction > 0 && isTestRow(u, m, split.fraction, split.seed));
}

/** Every row of a (test) file; ids never seen in training map to -1. */
export function allRows(file: string, format: RatingsFormat, index: RatingsIndex): Dataset<Example, ExampleColumns> {
  return mapped(readRatings(file, format), index.users, index.items, undefined, () => true);
}

const EXAMPLE_SCHEMA = { user: 'int32', item: 'int32', rating: 'float32' } as const;

function mapped(source: Dataset<Rating>, users: IdIndex, items: IdIndex, size: number | undefined, keep: (userId: number, movieId: number) => boolean): Dataset<Example, ExampleColumns> {
  return new Dataset<Example, ExampleColumns>({ size, schema: EXAMPLE_SCHEMA, open: (epoch) => run(epoch) });

  async function* run(epoch: number | undefined): AsyncGenerator<Chunk<Example>, undefined> {
    for await (const chunk of source.chunks(epoch === undefined ? {} : { epoch })) {
      const { size: n, userId, movieId, rating } = columnsOf(chunk);
      const u = new Int32Array(n);
      const i = new Int32Array(n);
      const r = new Float32Array(n);
      let k = 0;
      for (let j = 0; j < n; j++) {
        const uid = userId[j]!;
        const mid = movieId[j]!;
        if (!keep(uid, mid)) continue;
        u[k] = users.rowOf(uid);
        i[k] = items.rowOf(mid);
        r[k] = rating[j]!;
        k++;
      }
      if (k > 0) yield new ColumnChunk<Example, ExampleColumns>(k, { user: u.subarray(0, k), item: i.subarray(0, k), rating: r.subarray(0, k) });
    }
    return undefined;
  }
}
