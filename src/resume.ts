import { type Chunk, chunkLength, chunkToArray, sliceChunk } from './chunk.js';
import type { Dataset } from './dataset.js';
import { OptionError, SluiceError, describe } from './errors.js';

/** Where a run stands: epoch number and elements already delivered in it. */
export interface EpochState {
  readonly epoch: number;
  readonly position: number;
}

/**
 * Walks a dataset epoch by epoch and can say where it stands (`state()`), so that an
 * interrupted run resumes with no element lost or repeated. Epoch e is always the same
 * stream (epochs are numbered explicitly, shuffles are seeded by seed and epoch), so a
 * resume replays epoch e and drops its first `position` elements before handing any out.
 * Shuffle buffers are rebuilt by that replay, not saved: the cost of a resume is
 * re-reading the part of the epoch already consumed, at decode speed, never a lost row.
 * @example
 * const cursor = new EpochCursor(ds, JSON.parse(saved ?? 'null') ?? undefined);
 * while (cursor.epoch < 3) {
 *   for await (const batch of cursor.run()) { train(batch); save(JSON.stringify(cursor.state())); }
 * }
 */
export class EpochCursor<T> {
  private current: number;
  private position: number;

  constructor(
    private readonly dataset: Dataset<T>,
    from: EpochState = { epoch: 0, position: 0 },
  ) {
    if (from === null || typeof from !== 'object') throw new OptionError(`EpochCursor: state must be { epoch, position }, got ${describe(from)}`);
    for (const key of ['epoch', 'position'] as const) {
      const v = from[key];
      if (!Number.isInteger(v) || v < 0) throw new OptionError(`EpochCursor: state.${key} must be a non-negative integer, got ${describe(v)}`);
    }
    const size = dataset.size;
    if (size !== undefined && from.position > size) {
      throw new OptionError(`EpochCursor: state.position ${from.position} is past the end of an epoch (${size} elements): the state is not this dataset's`);
    }
    this.current = from.epoch;
    this.position = from.position;
  }

  /** The epoch that `run()` plays next (or is playing). */
  get epoch(): number {
    return this.current;
  }

  /** Where the run stands now: save it, and pass it back to resume. */
  state(): EpochState {
    return { epoch: this.current, position: this.position };
  }

  /**
   * The rest of the current epoch, element by element. When it ends, the cursor moves to
   * the next epoch; a break leaves it where the consumer stopped.
   */
  async *run(): AsyncGenerator<T, void> {
    const epoch = this.current;
    let toSkip = this.position;
    for await (const chunk of this.dataset.chunks({ epoch })) {
      let c: Chunk<T> = chunk;
      if (toSkip > 0) {
        const n = chunkLength(c);
        if (toSkip >= n) {
          toSkip -= n;
          continue;
        }
        c = sliceChunk(c, toSkip, n);
        toSkip = 0;
      }
      const items = chunkToArray(c);
      for (let i = 0; i < items.length; i++) {
        // Counted before the yield: an element handed out is consumed, even if the
        // consumer crashes while working on it.
        this.position++;
        yield items[i]!;
      }
    }
    if (toSkip > 0) {
      // A position past the epoch's end would skip the whole epoch without a word.
      throw new SluiceError(`EpochCursor: state.position ${this.position} is past the end of epoch ${epoch} (${this.position - toSkip} elements): the saved state is not this dataset's`);
    }
    this.current = epoch + 1;
    this.position = 0;
  }
}
