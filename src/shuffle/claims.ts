// Reading the blocks of a window: every reader (this thread, a worker) claims the next block
// from a counter on shared memory until none is left, and lays each out in a random order.
import type { Chunk } from '../chunk.js';
import { BlockDealer } from './dealer.js';
import type { BlockRows, PartReader, WindowClaims } from './windows.js';

/** Blocks a reader has claimed and is reading: one decoding while the next ones' files open. */
const READ_AHEAD = 3;

/** Reads byte ranges of a source. */
export interface RangeReader<T> {
  /** The rows that start in [start, end). */
  read(start: number, end: number): Promise<Chunk<T>[]>;
  /** Takes back chunks the caller is done with, to decode into again (optional). */
  recycle?(chunks: Chunk<T>[]): void;
  /** Closes its files once a window part is read; a later read reopens them. */
  close(): Promise<void>;
  /** Blocks to read at once (default 3): more for remote sources, where a block is a request. */
  readAhead?: number;
  /** Bad rows skipped under onBadRow 'skip' by the reads so far. */
  readonly skipped?: number;
  /**
   * Block `block.id`, the rows that start in [start, end), read and laid out in a random
   * order (drawn from `block.seed` as BlockDealer would) into storage from `dealer`, in one
   * pass where the reader can; undefined when it cannot (then read() and the dealer do it).
   * Optional.
   */
  readDealt?(start: number, end: number, block: { id: number; seed: number }, dealer: BlockDealer<T>): Promise<BlockRows<T> | undefined>;
}

/**
 * A reader of claimed blocks: claims the next block of the window until none is left,
 * reading each with `ranges` and laying it out in a random order (BlockDealer).
 */
export function claimReader<T>(ranges: RangeReader<T>): PartReader<T> {
  const dealer = new BlockDealer<T>();
  return async (window, spares) => {
    dealer.use(spares.splice(0));
    try {
      return await readClaimed(window, ranges, dealer);
    } finally {
      spares.push(...dealer.unused()); // back to the window loop's pool, for whoever reads next
      await ranges.close();
    }
  };
}

/** Claims and reads blocks of `window`, dealt by `dealer`, until none is left. */
export async function readClaimed<T>(window: WindowClaims, ranges: RangeReader<T>, dealer: BlockDealer<T>): Promise<BlockRows<T>[]> {
  const inFlight: { block: number; rows: Promise<BlockRows<T> | Chunk<T>[]> }[] = [];
  const claim = (): void => {
    while (inFlight.length < (ranges.readAhead ?? READ_AHEAD)) {
      const block = Atomics.add(window.next, 0, 1);
      if (block >= window.ranges.length) return;
      const [start, end] = window.ranges[block]!;
      const dealt = ranges.readDealt?.(start, end, { id: block, seed: window.seeds[block]! }, dealer);
      const rows: Promise<BlockRows<T> | Chunk<T>[]> = dealt === undefined ? ranges.read(start, end) : dealt.then<BlockRows<T> | Chunk<T>[]>((d) => d ?? ranges.read(start, end));
      rows.catch(() => {}); // rethrown when awaited
      inFlight.push({ block, rows });
    }
  };
  const out: BlockRows<T>[] = [];
  try {
    for (claim(); inFlight.length > 0; claim()) {
      const { block, rows } = inFlight.shift()!;
      const read = await rows;
      if (!Array.isArray(read)) {
        out.push(read);
        continue;
      }
      out.push(dealer.deal(block, read, window.seeds[block]!));
      ranges.recycle?.(read); // dealt: the rows are copied into the block's storage
    }
    return out;
  } catch (error) {
    Atomics.store(window.next, 0, window.ranges.length); // no reader goes on with this window
    throw error;
  } finally {
    await Promise.allSettled(inFlight.map((r) => r.rows)); // after an error: the other reads close their files first
  }
}
