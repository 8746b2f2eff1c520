import { abortable } from '../iterator.js';
import { Dataset } from '../dataset.js';
import { type Chunk, CHUNK_SIZE } from '../chunk.js';
import { OptionError, SluiceError, describe } from '../errors.js';

export type AnyIterable<T> = Iterable<T> | AsyncIterable<T>;

/**
 * Elements from an iterable, sync or async. Pass a factory `() => iterable` to make the
 * dataset re-iterable over a generator; an array (or any re-iterable) works directly.
 * Sync iterables are read a chunk at a time with no await per element.
 */
export function fromIterable<T>(input: AnyIterable<T> | (() => AnyIterable<T>)): Dataset<T> {
  const factory = typeof input === 'function' ? input : undefined;
  if (factory === undefined && !isIterable(input) && !isAsyncIterable(input)) {
    throw new OptionError(`fromIterable: expected an iterable, an async iterable or a function returning one, got ${describe(input)}`);
  }
  let used = false;
  return new Dataset({
    size: Array.isArray(input) ? input.length : undefined,
    open: (_epoch, openOptions) => {
      const iterable = factory ? factory() : (input as AnyIterable<T>);
      if (!isIterable(iterable) && !isAsyncIterable(iterable)) {
        throw new SluiceError(`fromIterable: the factory returned ${describe(iterable)}, not an iterable`);
      }
      if (!factory && used && isOneShot(iterable)) {
        throw new SluiceError('fromIterable: this iterator was already consumed by an earlier epoch; pass a factory `() => iterable` to make the dataset re-iterable');
      }
      used = true;
      return isIterable(iterable) ? runSync(iterable) : runAsync(iterable, openOptions?.signal);
    },
  });
}

async function* runSync<T>(iterable: Iterable<T>): AsyncGenerator<Chunk<T>, undefined> {
  if (Array.isArray(iterable)) {
    for (let i = 0; i < iterable.length; i += CHUNK_SIZE) yield iterable.slice(i, i + CHUNK_SIZE);
    return undefined;
  }
  const it = iterable[Symbol.iterator]();
  let done = false;
  try {
    while (!done) {
      const out: T[] = [];
      while (out.length < CHUNK_SIZE) {
        const r = it.next();
        if (r.done) {
          done = true;
          break;
        }
        out.push(r.value);
      }
      if (out.length > 0) yield out;
    }
  } finally {
    if (!done) it.return?.();
  }
  return undefined;
}

const TICK = Symbol('tick');

async function* runAsync<T>(iterable: AsyncIterable<T>, signal: AbortSignal | undefined): AsyncGenerator<Chunk<T>, undefined> {
  // An async iterable costs one promise per element whatever we do. We group the elements
  // that arrive within one event-loop turn, and hand them on when the next is slow to come,
  // so a slow source is never held back waiting for a full chunk.
  const it = iterable[Symbol.asyncIterator]();
  let done = false;
  try {
    let out: T[] = [];
    let tick: Promise<typeof TICK> | undefined;
    for (;;) {
      const pending = abortable(it.next(), signal);
      let r: IteratorResult<T>;
      if (out.length === 0) r = await pending;
      else {
        tick ??= new Promise((resolve) => setImmediate(resolve, TICK));
        const first = await Promise.race([pending, tick]);
        if (first === TICK) {
          tick = undefined;
          yield out;
          out = [];
          r = await pending;
        } else r = first;
      }
      if (r.done) {
        done = true;
        break;
      }
      out.push(r.value);
      if (out.length >= CHUNK_SIZE) {
        yield out;
        out = [];
        tick = undefined;
      }
    }
    if (out.length > 0) yield out;
  } finally {
    // An aborted iterator may be stuck in its next(): its return() would wait behind it.
    if (!done && signal?.aborted === true) void Promise.resolve(it.return?.()).catch(() => {});
    else if (!done) await it.return?.();
  }
  return undefined;
}

function isIterable(x: unknown): x is Iterable<unknown> {
  return x != null && typeof (x as Iterable<unknown>)[Symbol.iterator] === 'function';
}

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return x != null && typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/** An iterator that returns itself from [Symbol.iterator]() can be walked only once. */
function isOneShot(x: AnyIterable<unknown>): boolean {
  if (isIterable(x)) return (x as unknown as { [Symbol.iterator](): unknown })[Symbol.iterator]() === x;
  return (x as unknown as { [Symbol.asyncIterator](): unknown })[Symbol.asyncIterator]() === x;
}
