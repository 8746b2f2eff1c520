import { type Chunk, type ChunkSource, chunkLength, epochOf } from '../chunk.js';
import { OptionError, describe } from '../errors.js';

/**
 * Plays the upstream `count` times (forever when omitted) as one epoch. Each pass is a
 * fresh upstream epoch, so shuffles reshuffle. An upstream pass with no elements ends
 * the repetition instead of spinning.
 */
export function repeat<T>(source: ChunkSource<T>, count = Infinity): ChunkSource<T> {
  if (!(count === Infinity || (Number.isInteger(count) && count >= 0))) {
    throw new OptionError(`repeat: count must be a non-negative integer or omitted, got ${describe(count)}`);
  }
  return {
    size: source.size === undefined || count === Infinity ? undefined : source.size * count,
    schema: source.schema,
    open: () => run(),
  };

  async function* run(): AsyncGenerator<Chunk<T>, undefined> {
    for (let pass = 0; pass < count; pass++) {
      let seen = 0;
      for await (const chunk of epochOf(source)) {
        seen += chunkLength(chunk);
        yield chunk;
      }
      if (seen === 0) break;
    }
    return undefined;
  }
}
