// The one core that every hand-written chunk iterator stands on (prefetch, mapParallel,
// background, csvParallel): a fence around `next()`/`return()`/`throw()`, and the ready
// queue that a producer fills and one consumer waits on. The rules they implement are
// written in chunk.ts ("Lifecycle"); this file is where they are kept.

import type { Chunk, ChunkIterator } from './chunk.js';
import { AbortError } from './errors.js';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
const noop = (): void => {};

/**
 * A chunk iterator behind a fence. Subclasses write `step()` (the next chunk) and
 * `release()` (give back files, workers, ports); the fence makes them airtight:
 * - steps run one at a time: a `next()` called while one is in flight runs after it;
 * - `return()` closes at once (`closed` is true, `interrupt()` wakes every waiter), so a
 *   step in flight answers done, never a chunk; `release()` runs once, after that step has
 *   settled, and `return()` resolves when it is done;
 * - `return()` and `throw()` are idempotent; `next()` after close answers done;
 * - a step that throws closes the iterator: `release()` still runs, and an error of its own
 *   never replaces the step's (first error wins);
 * - when `signal` aborts, the pending `next()` rejects at once with an AbortError whose
 *   cause is the signal's reason (so does every later one), `interrupt(true)` runs and the
 *   rest is as for `return()`. The abort listener is removed when the iterator closes.
 * A step must re-check `this.closed` after every await and acquire nothing once it is set;
 * a constructor acquires nothing (work starts with the first step).
 * @example
 * class Countdown extends FencedIterator<number> {
 *   private n = 3;
 *   protected async step() { return this.n > 0 ? { done: false as const, value: [this.n--] } : { done: true as const, value: undefined }; }
 *   protected async release() {}
 * }
 */
export abstract class FencedIterator<T> implements ChunkIterator<T> {
  #isClosed = false;
  /** The last step asked for, settled or not: the next one runs after it, and so does release(). */
  #tail: Promise<unknown> = Promise.resolve();
  #released: Promise<void> | undefined;
  #abortError: AbortError | undefined;
  /** The pending next() calls, rejected at once on an abort. */
  readonly #waiting = new Set<(e: AbortError) => void>();
  readonly #onAbort = (): void => this.#abortNow();

  constructor(protected readonly signal?: AbortSignal) {
    if (signal === undefined) return;
    if (!signal.aborted) {
      signal.addEventListener('abort', this.#onAbort, { once: true });
      return;
    }
    // Aborted before it started: nothing to interrupt; release() (the upstream) runs once the subclass is built.
    this.#isClosed = true;
    this.#abortError = new AbortError(signal.reason);
    this.#released = Promise.resolve().then(() => this.release());
    this.#released.catch(noop);
  }

  /** True from the moment return(), throw(), an error, the end or an abort closes the iterator. */
  protected get closed(): boolean {
    return this.#isClosed;
  }

  /** The next chunk, or done at the end of the epoch. Never called after close, never two at once. */
  protected abstract step(): Promise<IteratorResult<Chunk<T>, undefined>>;

  /** Releases everything the epoch holds. Called once, after the last step has settled. */
  protected abstract release(): Promise<void>;

  /** Called once, synchronously, as the iterator closes: wake every waiter (`aborted`: also stop what cannot be waited for). */
  protected interrupt(_aborted: boolean): void {}

  next(): Promise<IteratorResult<Chunk<T>, undefined>> {
    if (this.#isClosed) return this.#abortError === undefined ? Promise.resolve(DONE) : Promise.reject(this.#abortError);
    const step = this.#tail.then(() => (this.#isClosed ? DONE : this.step()));
    this.#tail = step.then(noop, noop);
    const answer = step.then(
      (r) => this.#settle(r),
      (error: unknown) => this.#fail(error),
    );
    if (this.signal === undefined) return answer;
    // Rejected at once by an abort, whatever the step is waiting for.
    return new Promise((resolve, reject) => {
      this.#waiting.add(reject);
      answer.then(resolve, reject).finally(() => this.#waiting.delete(reject));
    });
  }

  async return(): Promise<IteratorResult<Chunk<T>, undefined>> {
    await this.#close();
    return DONE;
  }

  async throw(error?: unknown): Promise<IteratorResult<Chunk<T>, undefined>> {
    await this.#close().catch(noop);
    throw error;
  }

  async #settle(r: IteratorResult<Chunk<T>, undefined>): Promise<IteratorResult<Chunk<T>, undefined>> {
    if (this.#isClosed) {
      if (this.#abortError !== undefined) throw this.#abortError;
      return DONE; // closed while this step ran: what it brought is dropped
    }
    if (!r.done) return r;
    await this.#close();
    return DONE;
  }

  async #fail(error: unknown): Promise<never> {
    if (this.#abortError !== undefined) throw this.#abortError;
    await this.#close().catch(noop); // a failing close never replaces the error that caused it
    throw error;
  }

  /** Closes (once): interrupts, then releases after the step in flight settles. */
  #close(aborted = false): Promise<void> {
    if (this.#released === undefined) {
      this.#isClosed = true;
      this.signal?.removeEventListener('abort', this.#onAbort);
      try {
        this.interrupt(aborted);
      } catch {
        // an interrupt that throws must not keep release() from running
      }
      this.#released = this.#tail.then(() => this.release());
      this.#released.catch(noop);
    }
    return this.#released;
  }

  #abortNow(): void {
    if (this.#isClosed) return;
    this.#abortError = new AbortError(this.signal!.reason);
    for (const reject of this.#waiting) reject(this.#abortError);
    this.#waiting.clear();
    void this.#close(true).catch(noop);
  }
}

/**
 * Items a producer makes ahead and one consumer takes in order, with the failure that
 * ended the producer delivered after the items made before it. `wake()` answers every
 * waiter; the caller's `closed` check decides what they find.
 */
export class ReadyQueue<I> {
  private items: I[] = [];
  private failure: { error: unknown } | undefined;
  private ended = false;
  private waiters: (() => void)[] = [];

  get length(): number {
    return this.items.length;
  }

  /** True once the producer has ended or failed. */
  get finished(): boolean {
    return this.ended || this.failure !== undefined;
  }

  push(item: I): void {
    this.items.push(item);
    this.wake();
  }

  /** The producer failed: the error is thrown once the items before it are taken. */
  fail(error: unknown): void {
    this.failure ??= { error };
    this.wake();
  }

  /** The producer has no more. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Drops every item and wakes every waiter (on close). */
  clear(): void {
    this.items = [];
    this.wake();
  }

  /**
   * The next item; undefined once the producer ended with nothing left, or once `closed()`
   * is true (re-checked after every wait). `onWait` runs before each wait (ask for more,
   * hold a port); `afterWait` after it.
   */
  async take(closed: () => boolean, onWait?: () => void, afterWait?: () => void): Promise<I | undefined> {
    for (;;) {
      if (closed()) return undefined;
      if (this.items.length > 0) return this.items.shift();
      if (this.failure !== undefined) throw this.failure.error;
      if (this.ended) return undefined;
      onWait?.();
      try {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      } finally {
        afterWait?.();
      }
    }
  }

  /** Answers every waiter (each re-checks what it waits for). */
  wake(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/**
 * Teardown's rule, as Node's pipeline() finishes: every closer runs, even when one before it
 * fails; the first failure is thrown once all have settled, unless `failing` says an error
 * already ends the epoch (that one wins: a close never replaces the error that caused it).
 * @example
 * const [a, b] = [range(3).source.open(), range(3).source.open()];
 * let failing = false;
 * try { await a.next(); } catch (e) { failing = true; throw e; } finally { await closeAll([() => a.return?.(), () => b.return?.()], failing); }
 */
export async function closeAll(closers: readonly (() => unknown)[], failing = false): Promise<void> {
  const results = await Promise.allSettled(closers.map(async (close) => close()));
  if (failing) return;
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

/**
 * `promise`, or an AbortError (cause: the reason) as soon as `signal` aborts, whichever
 * comes first; the listener is removed either way. For a source's await on something it
 * does not control (a user's iterator, a stream event), so an abort never waits on it.
 * @example
 * const controller = new AbortController();
 * const userIterator = [1, 2, 3][Symbol.iterator]();
 * const r = await abortable(Promise.resolve(userIterator.next()), controller.signal);
 */
export function abortable<V>(promise: Promise<V>, signal: AbortSignal | undefined): Promise<V> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(noop);
    return Promise.reject(new AbortError(signal.reason));
  }
  return new Promise<V>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(noop); // nobody waits for it any more
      reject(new AbortError(signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
