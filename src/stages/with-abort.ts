import type { Chunk, ChunkIterator, ChunkSource } from '../chunk.js';
import { OptionError } from '../errors.js';

/**
 * Ends the epoch when `signal` aborts: the pending `next()` rejects with the signal's
 * reason at once (it does not wait for a slow source), and the upstream is closed.
 */
export function withAbort<T>(source: ChunkSource<T>, signal: AbortSignal): ChunkSource<T> {
  if (!(signal instanceof AbortSignal)) throw new OptionError('withAbort: signal must be an AbortSignal');
  return { size: source.size, schema: source.schema, open: (epoch) => new AbortableIterator(source.open(epoch), signal) };
}

class AbortableIterator<T> implements ChunkIterator<T> {
  private closed = false;
  constructor(
    private readonly upstream: ChunkIterator<T>,
    private readonly signal: AbortSignal,
  ) {}

  async next(): Promise<IteratorResult<Chunk<T>, undefined>> {
    if (this.closed) return { done: true, value: undefined };
    if (this.signal.aborted) throw await this.abort();
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(this.signal.reason);
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
    const pending = this.upstream.next();
    try {
      return await Promise.race([pending, aborted]);
    } catch (e) {
      if (this.signal.aborted) {
        pending.catch(() => {}); // the abandoned pull may still fail; nobody is waiting for it
        throw await this.abort();
      }
      throw e;
    } finally {
      this.signal.removeEventListener('abort', onAbort!);
    }
  }

  async return(): Promise<IteratorResult<Chunk<T>, undefined>> {
    if (!this.closed) {
      this.closed = true;
      await this.upstream.return?.();
    }
    return { done: true, value: undefined };
  }

  /** Closes the upstream without waiting behind a pull that may never finish. */
  private async abort(): Promise<unknown> {
    if (!this.closed) {
      this.closed = true;
      this.upstream.return?.().catch(() => {});
    }
    return this.signal.reason;
  }
}
