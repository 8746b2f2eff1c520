// One element at a time over a chunk iterator (what `for await` over a Dataset walks).
import { type Chunk, type ChunkIterator, ColumnChunk, rowAt } from './chunk.js';
import { AbortError } from './errors.js';

/** One element at a time over a chunk iterator: a resolved promise per element, one await per chunk. */
export class ElementIterator<T> implements AsyncIterableIterator<T> {
  private items: readonly T[] | undefined;
  private column: ColumnChunk<T> | undefined;
  private length = 0;
  private pos = 0;
  private finished = false;

  /** `signal`: an abort stops the elements of the chunk in hand too (the chunk iterator answers the rest). */
  constructor(
    private readonly chunks: ChunkIterator<T>,
    private readonly signal?: AbortSignal,
  ) {}

  next(): Promise<IteratorResult<T>> {
    if (this.pos < this.length) {
      if (this.signal?.aborted === true) return this.abort();
      return Promise.resolve({ done: false, value: this.current() });
    }
    return this.pull();
  }

  private async abort(): Promise<never> {
    this.length = 0;
    await this.return();
    throw new AbortError(this.signal!.reason);
  }

  async return(): Promise<IteratorResult<T>> {
    if (!this.finished) {
      this.finished = true;
      await this.chunks.return?.();
    }
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private current(): T {
    const i = this.pos++;
    if (this.items !== undefined) return this.items[i]!;
    return rowAt(this.column!, i);
  }

  private async pull(): Promise<IteratorResult<T>> {
    while (!this.finished) {
      const r = await this.chunks.next();
      if (r.done) {
        this.finished = true;
        break;
      }
      this.setChunk(r.value);
      if (this.length > 0) return { done: false, value: this.current() };
    }
    return { done: true, value: undefined };
  }

  private setChunk(chunk: Chunk<T>): void {
    this.pos = 0;
    if (chunk instanceof ColumnChunk) {
      this.column = chunk;
      this.items = undefined;
      this.length = chunk.size;
    } else {
      this.items = chunk;
      this.column = undefined;
      this.length = chunk.length;
    }
  }
}
