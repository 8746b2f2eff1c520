import type { Chunk, ChunkIterator, ChunkSource } from '../chunk.js';
import { checkInt } from '../errors.js';
import { FencedIterator, ReadyQueue } from '../iterator.js';

/**
 * Reads up to `depth` chunks ahead of the consumer, so that the upstream work of the
 * next chunks overlaps the consumer's work on this one. Never more than `depth` chunks
 * wait unconsumed; an upstream error is delivered in order, after the chunks before it.
 */
export function prefetch<T>(source: ChunkSource<T>, depth: number | 'auto'): ChunkSource<T> {
  if (depth !== 'auto') checkInt('prefetch', 'depth', depth, 1);
  return {
    size: source.size,
    schema: source.schema,
    open: (epoch, options) => new PrefetchIterator(source.open(epoch, options), depth === 'auto' ? 2 : depth, depth === 'auto' ? AUTO_MAX_DEPTH : depth, options?.signal),
  };
}

/**
 * The bound of `prefetch('auto')`: it starts 2 chunks deep and doubles its depth each time
 * the consumer finds nothing ready while the upstream works (feedback on the consumer's
 * waiting), up to this many chunks (≈ 260k rows of 4096: a few MB of numeric columns).
 */
export const AUTO_MAX_DEPTH = 64;

class PrefetchIterator<T> extends FencedIterator<T> {
  private readonly ready = new ReadyQueue<Chunk<T>>();
  private pulling = false;
  /** Steps taken: the first one's wait is the start of the epoch, not a sign to read further ahead. */
  private steps = 0;

  constructor(
    private readonly upstream: ChunkIterator<T>,
    private depth: number,
    private readonly maxDepth: number,
    signal: AbortSignal | undefined,
  ) {
    super(signal);
  }

  protected async step(): Promise<IteratorResult<Chunk<T>, undefined>> {
    void this.pump();
    // The consumer is about to wait on the upstream: read further ahead from now on ('auto').
    if (this.steps++ > 0 && this.ready.length === 0 && !this.ready.finished && this.depth < this.maxDepth) this.depth = Math.min(this.maxDepth, this.depth * 2);
    const chunk = await this.ready.take(() => this.closed);
    if (chunk === undefined) return { done: true, value: undefined };
    void this.pump(); // room for one more
    return { done: false, value: chunk };
  }

  protected override interrupt(): void {
    this.ready.clear();
  }

  /** The pump's pull in flight settles first: an upstream iterator serialises return() behind its next(). */
  protected async release(): Promise<void> {
    await this.upstream.return?.();
  }

  /** Pulls while fewer than `depth` chunks wait; one pull at a time; stops at close, the end or an error. */
  private async pump(): Promise<void> {
    if (this.pulling) return;
    this.pulling = true;
    try {
      while (!this.closed && !this.ready.finished && this.ready.length < this.depth) {
        try {
          const result = await this.upstream.next();
          if (this.closed) break;
          if (result.done) this.ready.end();
          else this.ready.push(result.value);
        } catch (error) {
          this.ready.fail(error);
        }
      }
    } finally {
      this.pulling = false;
    }
  }
}
