import { type Chunk, type ChunkSource, chunkLength, epochOf, sliceChunk, type OpenOptions } from '../chunk.js';
import { checkInt } from '../errors.js';

/** The first `count` elements of each epoch; the upstream is closed as soon as they are read. */
export function take<T>(source: ChunkSource<T>, count: number): ChunkSource<T> {
  checkInt('take', 'count', count, 0);
  return {
    size: source.size === undefined ? undefined : Math.min(source.size, count),
    schema: source.schema,
    open: (epoch, options) => run(epoch, options),
  };

  async function* run(epoch: number | undefined, options: OpenOptions | undefined): AsyncGenerator<Chunk<T>, undefined> {
    let left = count;
    if (left === 0) return undefined;
    for await (const chunk of epochOf(source, epoch, options)) {
      const n = chunkLength(chunk);
      if (n >= left) {
        yield n === left ? chunk : sliceChunk(chunk, 0, left);
        return undefined;
      }
      left -= n;
      yield chunk;
    }
    return undefined;
  }
}
