import { type Chunk, type ChunkSource, chunkLength, epochOf, sliceChunk, type OpenOptions } from '../chunk.js';
import { checkInt } from '../errors.js';

/** Drops the first `count` elements of each epoch. */
export function skip<T>(source: ChunkSource<T>, count: number): ChunkSource<T> {
  checkInt('skip', 'count', count, 0);
  return {
    size: source.size === undefined ? undefined : Math.max(0, source.size - count),
    schema: source.schema,
    open: (epoch, options) => run(epoch, options),
  };

  async function* run(epoch: number | undefined, options: OpenOptions | undefined): AsyncGenerator<Chunk<T>, undefined> {
    let left = count;
    for await (const chunk of epochOf(source, epoch, options)) {
      const n = chunkLength(chunk);
      if (left >= n) {
        left -= n;
        continue;
      }
      yield left === 0 ? chunk : sliceChunk(chunk, left, n);
      left = 0;
    }
    return undefined;
  }
}
