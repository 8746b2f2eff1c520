// Retries and a bound on requests in flight, for object storage reads. One home for the
// backoff rule and for what counts as a transient failure.
import { SluiceError, errorMessage } from '../errors.js';

/** A failure worth trying again: a 5xx, 429/SlowDown, 408, a reset connection, a cut body, a timeout. */
export class TransientError extends SluiceError {
  override name = 'TransientError';
}

/** A failure that another try would not fix (403, 404, 412, a changed object). */
export class PermanentError extends SluiceError {
  override name = 'PermanentError';
}

export interface RetryPolicy {
  /** Tries after the first. */
  retries: number;
  /** Base delay: try n waits a random time in [0, baseMs × 2^n) ("full jitter"), capped at maxMs. */
  baseMs: number;
  maxMs: number;
}

/** Whether `error` is worth another try: typed transient errors and the network's own (resets, timeouts). */
export function isTransient(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  if (error instanceof PermanentError) return false;
  if (!(error instanceof Error)) return false;
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return true;
  // undici: TypeError('fetch failed') with a cause (ECONNRESET, ECONNREFUSED, UND_ERR_SOCKET, …), or 'terminated' mid-body.
  return error instanceof TypeError || /ECONNRESET|EPIPE|ETIMEDOUT|socket|terminated|other side closed/i.test(`${error.message} ${errorMessage(error.cause)}`);
}

/**
 * Runs `attempt` until it succeeds, fails with a non-transient error, or has failed
 * `1 + retries` times; waits with exponential backoff and full jitter between tries.
 * `onRetry` hears about each failure that is retried. The last error is thrown as is.
 * @example
 * const body = await withRetries(() => fetch(url, { headers: { range: 'bytes=0-1023' } }), { retries: 5, baseMs: 100, maxMs: 5000 });
 */
export async function withRetries<R>(attempt: (n: number) => Promise<R>, policy: RetryPolicy, signal?: AbortSignal, onRetry?: (error: unknown, n: number) => void): Promise<R> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= policy.retries || !isTransient(error) || signal?.aborted === true) throw error;
      onRetry?.(error, n);
      await sleep(Math.random() * Math.min(policy.maxMs, policy.baseMs * 2 ** n), signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * At most `limit` tasks at once; the others wait in order. Shared by every object of one
 * store, so `concurrency` bounds the requests in flight whatever reads them.
 * @example
 * const limit = new Limiter(8);
 * const body = await limit.run(() => fetch(url));
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  async run<R>(task: () => Promise<R>): Promise<R> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.active--;
    }
  }

  /** Requests running now (for tests and bounds). */
  get running(): number {
    return this.active;
  }
}
