import { abortable } from '../iterator.js';
import type { Readable } from 'node:stream';
import { Dataset } from '../dataset.js';
import { type Chunk, CHUNK_SIZE } from '../chunk.js';
import { checkFunction, SluiceError, describe } from '../errors.js';

/**
 * Elements from a Node Readable: each `read()` result is one element (an object in object
 * mode, a Buffer or string otherwise). `open` is called once per epoch to make a fresh
 * stream; breaking out of the loop destroys it.
 * @example
 * import { Readable } from 'node:stream';
 * const ds = fromStream<number>(() => Readable.from([1, 2, 3]));
 */
export function fromStream<T = unknown>(open: () => Readable): Dataset<T> {
  checkFunction('fromStream', 'open', open);
  return new Dataset({ size: undefined, open: (_epoch, options) => run(options?.signal) });

  async function* run(signal: AbortSignal | undefined): AsyncGenerator<Chunk<T>, undefined> {
    const stream = open();
    if (stream === null || typeof stream !== 'object' || typeof (stream as Readable).read !== 'function') {
      throw new SluiceError(`fromStream: open() must return a Readable, got ${describe(stream)}`);
    }
    // Held in an object: the listener sets it between awaits, out of the compiler's sight.
    const state: { failure?: { error: unknown } } = {};
    const onError = (error: unknown): void => {
      state.failure ??= { error };
    };
    const check = (): void => {
      if (state.failure) throw state.failure.error;
    };
    stream.on('error', onError);
    try {
      for (;;) {
        // Drain what is buffered without awaiting per element, then wait once.
        const out: T[] = [];
        let x: T | null;
        while (out.length < CHUNK_SIZE && (x = stream.read() as T | null) !== null) out.push(x);
        check();
        if (out.length > 0) {
          yield out;
          continue;
        }
        if (stream.readableEnded) break;
        await abortable(nextEvent(stream), signal);
        check();
        if (stream.readableEnded || (stream.destroyed && stream.readableLength === 0)) break;
      }
    } finally {
      stream.off('error', onError);
      if (!stream.destroyed) stream.destroy();
    }
    return undefined;
  }
}

/** Resolves on the stream's next readable, end, close or error event, leaving no listener behind. */
function nextEvent(stream: Readable): Promise<void> {
  const events = ['readable', 'end', 'close', 'error'] as const;
  return new Promise((resolve) => {
    const done = (): void => {
      for (const e of events) stream.off(e, done);
      resolve();
    };
    for (const e of events) stream.on(e, done);
  });
}
