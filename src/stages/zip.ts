import { type ChunkIterator, type ChunkSource, chunkToArray, type OpenOptions } from '../chunk.js';
import { closeAll } from '../iterator.js';

/** Pairs the i-th elements of both sources; the epoch ends with the shorter one, and both are closed. */
export function zip<A, B>(left: ChunkSource<A>, right: ChunkSource<B>): ChunkSource<[A, B]> {
  const sizes = [left.size, right.size];
  return {
    size: sizes.includes(undefined) ? undefined : Math.min(left.size!, right.size!),
    open: (epoch, options) => run(epoch, options),
  };

  async function* run(epoch: number | undefined, options: OpenOptions | undefined): AsyncGenerator<[A, B][], undefined> {
    const a = new Side(left.open(epoch, options));
    const b = new Side(right.open(epoch, options));
    let failing = false;
    try {
      while ((await a.fill()) && (await b.fill())) {
        const n = Math.min(a.available, b.available);
        const out = new Array<[A, B]>(n);
        for (let i = 0; i < n; i++) out[i] = [a.items[a.pos + i]!, b.items[b.pos + i]!];
        a.pos += n;
        b.pos += n;
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

class Side<T> {
  items: readonly T[] = [];
  pos = 0;
  private done = false;
  constructor(private readonly it: ChunkIterator<T>) {}

  get available(): number {
    return this.items.length - this.pos;
  }

  /** True when elements are available, false at the end of the epoch. */
  async fill(): Promise<boolean> {
    while (this.available === 0) {
      if (this.done) return false;
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        return false;
      }
      this.items = chunkToArray(r.value);
      this.pos = 0;
    }
    return true;
  }

  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.it.return?.();
    }
  }
}
