import type { Chunk, ChunkIterator, ChunkSource } from '../chunk.js';
import { checkInt } from '../errors.js';

/**
 * Reads up to `depth` chunks ahead of the consumer, so that the upstream work of the
 * next chunks overlaps the consumer's work on this one. Never more than `depth` chunks
 * wait unconsumed; an upstream error is delivered in order, after the chunks before it.
 */
export function prefetch<T>(source: ChunkSource<T>, depth: number): ChunkSource<T> {
  checkInt('prefetch', 'depth', depth, 1);
  return { size: source.size, schema: source.schema, open: (epoch) => new PrefetchIterator(source.open(epoch), depth) };
}

type Settled<T> = { ok: true; result: IteratorResult<Chunk<T>, undefined> } | { ok: false; error: unknown };

class PrefetchIterator<T> implements ChunkIterator<T> {
  private readonly ready: Settled<T>[] = [];
  private waiter: ((s: Settled<T>) => void) | undefined;
  private pulling = false;
  private ended = false;
  private closed = false;

  constructor(
    private readonly upstream: ChunkIterator<T>,
    private readonly depth: number,
  ) {
    void this.pump();
  }

  async next(): Promise<IteratorResult<Chunk<T>, undefined>> {
    let settled = this.ready.shift();
    if (settled === undefined) {
      if (this.closed || (this.ended && !this.pulling)) return { done: true, value: undefined };
      settled = await new Promise<Settled<T>>((resolve) => (this.waiter = resolve));
    } else {
      void this.pump();
    }
    if (!settled.ok) throw settled.error;
    return settled.result;
  }

  async return(): Promise<IteratorResult<Chunk<T>, undefined>> {
    if (!this.closed) {
      this.closed = true;
      this.ready.length = 0;
      this.deliver({ ok: true, result: { done: true, value: undefined } });
      // An async generator queues return() behind a pending next(), so this also waits
      // for the pull in flight before the upstream closes its files.
      await this.upstream.return?.();
    }
    return { done: true, value: undefined };
  }

  private async pump(): Promise<void> {
    if (this.pulling) return;
    this.pulling = true;
    try {
      while (!this.closed && !this.ended && this.ready.length < this.depth) {
        let settled: Settled<T>;
        try {
          const result = await this.upstream.next();
          if (result.done) this.ended = true;
          settled = { ok: true, result };
        } catch (error) {
          this.ended = true;
          settled = { ok: false, error };
        }
        if (this.closed) break;
        this.deliver(settled);
      }
    } finally {
      this.pulling = false;
    }
    // A consumer that started waiting as the upstream ended still needs an answer.
    if (this.ended && this.ready.length === 0) this.deliver({ ok: true, result: { done: true, value: undefined } });
  }

  private deliver(settled: Settled<T>): void {
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter(settled);
    } else if (!this.closed && !(settled.ok && settled.result.done)) {
      this.ready.push(settled);
    }
  }
}
