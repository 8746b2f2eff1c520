import { type Chunk, type ChunkSource, chunkLength, epochOf, type OpenOptions } from '../chunk.js';
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
    open: (epoch, options) => run(epoch, options),
  };

  async function* run(epoch: number | undefined, options: OpenOptions | undefined): AsyncGenerator<Chunk<T>, undefined> {
    for (let pass = 0; pass < count; pass++) {
      let seen = 0;
      // Pass p of epoch e is upstream epoch e * count + p: distinct and reproducible.
      const upstreamEpoch = epoch === undefined ? undefined : epoch * (count === Infinity ? 1 << 20 : count) + pass;
      for await (const chunk of epochOf(source, upstreamEpoch, options)) {
        seen += chunkLength(chunk);
        yield chunk;
      }
      if (seen === 0) break;
    }
    return undefined;
  }
}
