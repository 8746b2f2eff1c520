import type { Chunk, ChunkIterator, ChunkSource, OpenOptions } from '../chunk.js';
import { OptionError } from '../errors.js';
import { FencedIterator } from '../iterator.js';

/**
 * Ends the epoch when `signal` aborts: the pending `next()` rejects at once (it does not
 * wait for a slow source) with an AbortError whose `cause` is the signal's reason, and the
 * signal reaches the upstream's sources and workers too, so they stop and close. A signal
 * given to `open()` (a sink's `{ signal }`) aborts it as well.
 */
export function withAbort<T>(source: ChunkSource<T>, signal: AbortSignal): ChunkSource<T> {
  if (!(signal instanceof AbortSignal)) throw new OptionError('withAbort: signal must be an AbortSignal');
  return { size: source.size, schema: source.schema, open: (epoch, options) => openWithSignal(source, epoch, anySignal(signal, options?.signal)) };
}

/**
 * Opens an epoch of `source` with `signal` passed to it and a guard on top that answers
 * the abort at once even where a source does not listen (a user's iterable).
 */
export function openWithSignal<T>(source: ChunkSource<T>, epoch: number | undefined, link: LinkedSignal | AbortSignal | undefined): ChunkIterator<T> {
  if (link === undefined) return source.open(epoch);
  const linked = link instanceof AbortSignal ? { signal: link, unlink: () => {} } : link;
  return new AbortableIterator(source.open(epoch, { signal: linked.signal }), linked);
}

interface LinkedSignal {
  signal: AbortSignal;
  /** Removes the listeners that link it to the signals it follows. */
  unlink(): void;
}

/** One signal that aborts when either does (no listener is left once unlinked). */
function anySignal(a: AbortSignal, b: OpenOptions['signal']): LinkedSignal {
  if (b === undefined || b === a) return { signal: a, unlink: () => {} };
  const controller = new AbortController();
  const onA = (): void => controller.abort(a.reason);
  const onB = (): void => controller.abort(b.reason);
  const unlink = (): void => {
    a.removeEventListener('abort', onA);
    b.removeEventListener('abort', onB);
  };
  if (a.aborted) onA();
  else if (b.aborted) onB();
  else {
    a.addEventListener('abort', onA, { once: true });
    b.addEventListener('abort', onB, { once: true });
  }
  return { signal: controller.signal, unlink };
}

class AbortableIterator<T> extends FencedIterator<T> {
  constructor(
    private readonly upstream: ChunkIterator<T>,
    private readonly link: LinkedSignal,
  ) {
    super(link.signal);
  }

  protected step(): Promise<IteratorResult<Chunk<T>, undefined>> {
    return this.upstream.next();
  }

  protected async release(): Promise<void> {
    try {
      await this.upstream.return?.();
    } finally {
      this.link.unlink();
    }
  }
}
