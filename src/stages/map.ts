import { type Chunk, type ChunkSource, chunkToArray, epochOf, type OpenOptions } from '../chunk.js';
import { checkFunction, isThenable, StageError } from '../errors.js';

/** Applies `fn` to every element; `index` counts elements from 0 in each epoch. */
export function map<T, U>(source: ChunkSource<T>, fn: (value: T, index: number) => U): ChunkSource<U> {
  checkFunction('map', 'fn', fn);
  return { size: source.size, open: (epoch, options) => run(epoch, options) };

  async function* run(epoch: number | undefined, options: OpenOptions | undefined): AsyncGenerator<Chunk<U>, undefined> {
    let index = 0;
    for await (const chunk of epochOf(source, epoch, options)) {
      const items = chunkToArray(chunk);
      const out = new Array<U>(items.length);
      let i = 0;
      try {
        for (; i < items.length; i++) out[i] = fn(items[i]!, index + i);
      } catch (e) {
        throw new StageError('map', index + i, e);
      }
      if (index === 0 && out.length > 0 && isThenable(out[0])) {
        throw new StageError('map', 0, new Error('fn returned a Promise; map is synchronous, use mapParallel for async or heavy work'));
      }
      index += items.length;
      yield out;
    }
    return undefined;
  }
}
