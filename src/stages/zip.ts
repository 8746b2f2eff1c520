import { type ChunkSource, chunkToArray, type OpenOptions } from '../chunk.js';
import { ChunkCursor } from '../chunk-cursor.js';
import { closeAll } from '../iterator.js';

/** Pairs the i-th elements of both sources; the epoch ends with the shorter one, and both are closed. */
export function zip<A, B>(left: ChunkSource<A>, right: ChunkSource<B>): ChunkSource<[A, B]> {
  const sizes = [left.size, right.size];
  return {
    size: sizes.includes(undefined) ? undefined : Math.min(left.size!, right.size!),
    open: (epoch, options) => run(epoch, options),
  };

  async function* run(epoch: number | undefined, options: OpenOptions | undefined): AsyncGenerator<[A, B][], undefined> {
    const a = new ChunkCursor(left.open(epoch, options));
    const b = new ChunkCursor(right.open(epoch, options));
    let failing = false;
    try {
      while ((await a.fill()) && (await b.fill())) {
        const n = Math.min(a.available, b.available);
        const xs = chunkToArray((await a.take(n))!);
        const ys = chunkToArray((await b.take(n))!);
        const out = new Array<[A, B]>(n);
        for (let i = 0; i < n; i++) out[i] = [xs[i]!, ys[i]!];
        yield out;
      }
    } catch (error) {
      failing = true;
      throw error;
    } finally {
      await closeAll([() => a.close(), () => b.close()], failing);
    }
    return undefined;
  }
}
