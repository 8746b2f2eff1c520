import { type Chunk, type ChunkSource, chunkToArray, ColumnChunk, epochOf, gatherChunk, type OpenOptions } from '../chunk.js';
import { checkFunction, StageError } from '../errors.js';

/** Keeps the elements for which `predicate` is true. Columnar chunks stay columnar. */
export function filter<T>(source: ChunkSource<T>, predicate: (value: T, index: number) => boolean): ChunkSource<T> {
  checkFunction('filter', 'predicate', predicate);
  return { size: undefined, schema: source.schema, open: (epoch, options) => run(epoch, options) };

  async function* run(epoch: number | undefined, options: OpenOptions | undefined): AsyncGenerator<Chunk<T>, undefined> {
    let index = 0;
    for await (const chunk of epochOf(source, epoch, options)) {
      const items = chunkToArray(chunk);
      const kept: number[] = [];
      let i = 0;
      try {
        for (; i < items.length; i++) if (predicate(items[i]!, index + i)) kept.push(i);
      } catch (e) {
        throw new StageError('filter', index + i, e);
      }
      index += items.length;
      if (kept.length === 0) continue;
      if (kept.length === items.length) yield chunk;
      else if (chunk instanceof ColumnChunk) yield gatherChunk(chunk, kept);
      else yield kept.map((k) => items[k]!);
    }
    return undefined;
  }
}
