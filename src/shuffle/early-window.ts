// The next epoch's first window, read early: while an epoch's last window is handed out its
// workers have nothing left to read, so they read the blocks the next epoch starts with. That
// epoch then hands out at once instead of waiting a window's read (about a tenth of a warm
// epoch: bench/README.md, "Seventh pass"). The blocks are kept for that epoch only: opened as
// the next one, over the same source of the same size (so with the same plan); any other
// open drops them (their storage goes back to the pool).
import type { ColumnSlots } from './columns.js';
import type { BlockRows, WindowClaims } from './windows.js';

/** Which epoch blocks were read for: its number (which fixes its plan, with the source's size) and the source as it was then. */
export interface EpochKey {
  epoch: number;
  bytes: number;
  /** What the source was (a file's identity): a changed source is read again. */
  version: string;
}

/** Blocks read early: the first window's claims, how many of its blocks were claimed (and read), and the parts they came in. */
export interface EarlyBlocks<T> {
  claims: WindowClaims;
  claimed: number;
  parts: BlockRows<T>[][];
}

/** A window whose reading began: its claims, the workers' parts, the storage lent to them, and blocks read before it began (early). */
export interface StartedWindow<T> {
  claims: WindowClaims;
  workers: Promise<BlockRows<T>[]>[];
  lent: ColumnSlots[][];
  early: BlockRows<T>[][];
}

/**
 * The first window of the next epoch, as far as the workers read it during an epoch's last
 * hand-out. At most one is kept, for one dataset.
 */
export class EarlyWindow<T> {
  private kept: { key: EpochKey; blocks: EarlyBlocks<T> } | undefined;

  /**
   * The blocks read early for the epoch `key` names; else undefined, and blocks kept for
   * another epoch or source give their storage to `pool`.
   */
  take(key: EpochKey, pool: ColumnSlots[]): EarlyBlocks<T> | undefined {
    const kept = this.kept;
    this.kept = undefined;
    if (kept === undefined) return undefined;
    if (kept.key.epoch === key.epoch && kept.key.bytes === key.bytes && kept.key.version === key.version) return kept.blocks;
    pool.push(...storageOf(kept.blocks.parts));
    return undefined;
  }

  /**
   * Stops `window`'s readers from claiming more blocks, waits for those they are reading, and
   * keeps what they read for the epoch `key` names. A failed read is dropped: that epoch reads
   * the window itself and meets the error there, with its context. Returns the blocks kept.
   */
  async keep(key: EpochKey, window: StartedWindow<T>, pool: ColumnSlots[]): Promise<number> {
    const { claims } = window;
    const claimed = Math.min(claims.ranges.length, Atomics.exchange(claims.next, 0, claims.ranges.length));
    const parts = await Promise.all(window.workers).catch(() => undefined);
    for (const share of window.lent) pool.push(...share.splice(0));
    if (parts === undefined) return 0;
    this.kept = { key, blocks: { claims, claimed, parts } };
    return claimed;
  }
}

/** The block storage of `parts` (packed blocks only). */
export function storageOf<T>(parts: BlockRows<T>[][]): ColumnSlots[] {
  return parts.flatMap((part) => part.flatMap((block) => (block.slots === undefined ? [] : [block.slots])));
}
