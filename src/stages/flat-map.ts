import { type Chunk, type ChunkSource, chunkToArray, epochOf, type OpenOptions } from '../chunk.js';
import { checkFunction, StageError } from '../errors.js';

/** Replaces each element by the elements of the iterable `fn` returns for it. */
export function flatMap<T, U>(source: ChunkSource<T>, fn: (value: T, index: number) => Iterable<U>): ChunkSource<U> {
  checkFunction('flatMap', 'fn', fn);
  return { size: undefined, open: (epoch, options) => run(epoch, options) };

  async function* run(epoch: number | undefined, options: OpenOptions | undefined): AsyncGenerator<Chunk<U>, undefined> {
    let index = 0;
    for await (const chunk of epochOf(source, epoch, options)) {
      const items = chunkToArray(chunk);
      const out: U[] = [];
      let i = 0;
      try {
        for (; i < items.length; i++) for (const u of fn(items[i]!, index + i)) out.push(u);
      } catch (e) {
        throw new StageError('flatMap', index + i, e);
      }
      index += items.length;
      if (out.length > 0) yield out;
    }
    return undefined;
  }
}
