import type { Chunk, ChunkSource, OpenOptions } from '../chunk.js';
import { epochOf } from '../chunk.js';

/** All of `first`'s epoch, then all of `second`'s. */
export function concat<T>(first: ChunkSource<T>, second: ChunkSource<T>): ChunkSource<T> {
  const same = first.schema !== undefined && JSON.stringify(first.schema) === JSON.stringify(second.schema);
  return {
    size: first.size === undefined || second.size === undefined ? undefined : first.size + second.size,
    schema: same ? first.schema : undefined,
    open: (epoch, options) => run(epoch, options),
  };

  async function* run(epoch: number | undefined, options: OpenOptions | undefined): AsyncGenerator<Chunk<T>, undefined> {
    yield* epochOf(first, epoch, options);
    yield* epochOf(second, epoch, options);
    return undefined;
  }
}
