// The pass-through around an epoch's iterator for whatever watches it: statistics, worker
// meters, the worker scaler.
import type { Chunk, ChunkIterator } from './chunk.js';

/**
 * A pass-through over an epoch's iterator for something that watches it (statistics, a
 * worker meter, a worker scaler): each `next()` is announced (`asking`), its result shown
 * (`seen`: the chunk, or undefined at the end and on an error), and `ended()` runs once, when
 * the epoch is done, fails or is returned. The fence is the wrapped iterator's. A class, not
 * an object of closures: its methods are the same functions every epoch, so a consumer's
 * optimised code that inlined them is not deoptimised by each new epoch.
 * @example
 * class Counted<T> extends PassThrough<T> {
 *   chunks = 0;
 *   protected override seen(chunk: Chunk<T> | undefined): void { if (chunk !== undefined) this.chunks++; }
 * }
 * const it = new Counted(range(3).source.open());
 */
export class PassThrough<T> implements ChunkIterator<T> {
  #ended = false;

  constructor(protected readonly it: ChunkIterator<T>) {}

  next(): Promise<IteratorResult<Chunk<T>, undefined>> {
    this.asking();
    return this.it.next().then(
      (r) => {
        this.seen(r.done === true ? undefined : r.value);
        if (r.done === true) this.end();
        return r;
      },
      (error: unknown) => {
        this.seen(undefined);
        this.end();
        throw error;
      },
    );
  }

  async return(): Promise<IteratorResult<Chunk<T>, undefined>> {
    try {
      await this.it.return?.();
    } finally {
      this.end();
    }
    return { done: true, value: undefined };
  }

  /** Before each next() is passed on. */
  protected asking(): void {}

  /** Each result: the chunk, or undefined at the end and on an error. */
  protected seen(_chunk: Chunk<T> | undefined): void {}

  /** Once, when the epoch is done, fails or is returned. */
  protected ended(): void {}

  private end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.ended();
  }
}
