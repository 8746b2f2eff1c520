import { type Chunk, type ChunkSource, ColumnChunk, epochOf, gatherChunk, type OpenOptions } from '../chunk.js';
import { checkInt, OptionError } from '../errors.js';

/**
 * Keeps every `count`-th element starting at `index` (element i goes to shard i % count),
 * so the `count` shards of one epoch partition it: each element in exactly one shard.
 */
export function shard<T>(source: ChunkSource<T>, count: number, index: number): ChunkSource<T> {
  checkInt('shard', 'count', count, 1);
  checkInt('shard', 'index', index, 0);
  if (index >= count) throw new OptionError(`shard: index must be < count (${count}), got ${index}`);
  const n = source.size;
  return {
    size: n === undefined ? undefined : Math.max(0, Math.ceil((n - index) / count)),
    schema: source.schema,
    open: (epoch, options) => run(epoch, options),
  };

  async function* run(epoch: number | undefined, options: OpenOptions | undefined): AsyncGenerator<Chunk<T>, undefined> {
    let position = 0; // epoch index of the chunk's first element
    for await (const chunk of epochOf(source, epoch, options)) {
      const len = chunk instanceof ColumnChunk ? chunk.size : chunk.length;
      const first = (((index - position) % count) + count) % count;
      const picks: number[] = [];
      for (let i = first; i < len; i += count) picks.push(i);
      position += len;
      if (picks.length === 0) continue;
      if (chunk instanceof ColumnChunk) yield gatherChunk(chunk, picks);
      else yield picks.map((i) => chunk[i]!);
    }
    return undefined;
  }
}
