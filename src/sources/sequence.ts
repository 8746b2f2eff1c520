import { abortable } from '../iterator.js';
import { type Chunk, epochCounter } from '../chunk.js';
import { Dataset } from '../dataset.js';
import { checkInt, OptionError, SluiceError, StageError, describe } from '../errors.js';
import { mixSeed, permutation, randomInt } from '../random.js';

/**
 * The Keras `Sequence` pattern: a dataset of `length` batches addressed by index.
 * Subclass it, then wrap it with `fromSequence`.
 * @example
 * class Squares extends Sequence<number[]> {
 *   get length() { return 10; }
 *   getItem(i: number) { return [i * i]; }
 * }
 * const ds = fromSequence(new Squares(), { shuffle: true, seed: 1 });
 */
export abstract class Sequence<B> {
  /** Number of batches per epoch (Keras `__len__`). */
  abstract get length(): number;
  /** Batch `index`, 0 <= index < length (Keras `__getitem__`); may be async. */
  abstract getItem(index: number): B | Promise<B>;
  /** Called once after each complete epoch (Keras `on_epoch_end`). */
  onEpochEnd(): void | Promise<void> {}
}

export interface FromSequenceOptions {
  /** Visit the batch indices in a seeded random order, new each epoch. Default false. */
  shuffle?: boolean;
  /** Seed of that order. Default 0. */
  seed?: number;
  /** How many getItem calls run ahead concurrently; results still come in order. Default 1. */
  workers?: number;
}

/**
 * A dataset whose elements are the sequence's batches. `onEpochEnd` runs once after each
 * complete epoch (not after an epoch the consumer broke out of, as in Keras).
 */
export function fromSequence<B>(sequence: Sequence<B>, options: FromSequenceOptions = {}): Dataset<B> {
  if (!(sequence instanceof Sequence) && typeof (sequence as Sequence<B>)?.getItem !== 'function') {
    throw new OptionError(`fromSequence: expected a Sequence (length, getItem, onEpochEnd), got ${describe(sequence)}`);
  }
  const workers = checkInt('fromSequence', 'workers', options.workers ?? 1, 1);
  const seed = options.seed ?? 0;
  const epochs = epochCounter();
  return new Dataset({
    get size() {
      return sequence.length;
    },
    open: (e, openOptions) => {
      return run(epochs(e), openOptions?.signal);
    },
  });

  async function* run(e: number, signal: AbortSignal | undefined): AsyncGenerator<Chunk<B>, undefined> {
    const length = sequence.length;
    if (!Number.isInteger(length) || length < 0) throw new SluiceError(`fromSequence: length must be a non-negative integer, got ${describe(length)}`);
    const order = options.shuffle ? permutation(length, randomInt(mixSeed(seed, e))) : undefined;
    const get = (k: number): Promise<B> => {
      const index = order ? order[k]! : k;
      let p: Promise<B>;
      try {
        p = Promise.resolve(sequence.getItem(index)).catch((err: unknown) => Promise.reject(new StageError('getItem', index, err)));
      } catch (err) {
        p = Promise.reject(new StageError('getItem', index, err));
      }
      // Marked handled now: it may reject while an earlier call is awaited; awaiting it still throws.
      p.catch(() => {});
      return p;
    };
    // A window of `workers` calls in flight, answered in order.
    const window: Promise<B>[] = [];
    let next = 0;
    while (next < length && window.length < workers) window.push(get(next++));
    while (window.length > 0) {
      const item = await abortable(window.shift()!, signal);
      if (next < length) window.push(get(next++));
      yield [item];
    }
    await sequence.onEpochEnd();
    return undefined;
  }
}
