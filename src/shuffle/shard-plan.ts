// Blocks assigned to shards by a pure function of (seed, epoch, count, index), and a
// position that is a few numbers: resuming re-reads at most one window per shard, and a run
// checkpointed with one shard count resumes with another, every row still exactly once.
//
// The global order of an epoch is the sequence of its blocks drawn by stratifiedWindows
// (one block from each run of neighbours per window), which depends on the seed, the epoch
// and the block count, never on the shard count. Shard k of c takes every c-th block of it,
// starting at the k-th, and hands its blocks out `openBlocks` to a window. A shard's cursor
// is (window, row): windows before `window` delivered, `row` rows of the next one. A resume
// with any count first finishes the part-read windows (each re-read whole, its delivered
// rows skipped: its permutation is seeded by the window, so the same rows are skipped), then
// deals the blocks no shard had started, in global order, to the new shards.
import { OptionError } from '../errors.js';
import { mixSeed, randomInt } from '../random.js';
import { type PlannedWindow, stratifiedWindows } from './windows.js';

/** This process's part of a sharded dataset: shard `index` of `count`. */
export interface ShardSpec {
  count: number;
  index: number;
}

/** How an epoch's blocks were dealt: the shard count, the block geometry, and the position it resumed from (if any). */
export interface Layout {
  count: number;
  blocks: number;
  blockBytes: number;
  openBlocks: number;
  from?: JobPosition;
}

/** Windows of a shard's epoch already delivered, and rows of the next. */
export interface Cursor {
  window: number;
  row: number;
}

/** Where one shard stands: save it at a checkpoint. */
export interface ShardPosition {
  seed: number;
  epoch: number;
  layout: Layout;
  index: number;
  cursor: Cursor;
}

/** Where a whole job stands: every shard's cursor. Resume any shard count from it. */
export interface JobPosition {
  seed: number;
  epoch: number;
  layout: Layout;
  cursors: Cursor[];
}

/**
 * The job's position from every shard's own (one per index, all from the same epoch and layout).
 * @example
 * const ranks = [0, 1, 2, 3].map((index) => shuffledCsvFiles(files, { shard: { count: 4, index } }));
 * const job = joinPositions(ranks.map((r) => r.position())); // saved at a checkpoint
 * const resumed = shuffledCsvFiles(files, { shard: { count: 2, index: 0 }, resume: job });
 */
export function joinPositions(positions: readonly ShardPosition[]): JobPosition {
  const first = positions[0];
  if (first === undefined) throw new OptionError('joinPositions: no positions');
  const count = first.layout.count;
  const cursors: Cursor[] = new Array<Cursor>(count);
  for (const p of positions) {
    if (p.seed !== first.seed || p.epoch !== first.epoch || JSON.stringify(p.layout) !== JSON.stringify(first.layout)) {
      throw new OptionError(`joinPositions: shard ${p.index} is at seed ${p.seed}, epoch ${p.epoch}, another layout than shard ${first.index} (seed ${first.seed}, epoch ${first.epoch})`);
    }
    if (!Number.isInteger(p.index) || p.index < 0 || p.index >= count || cursors[p.index] !== undefined) throw new OptionError(`joinPositions: shard index ${p.index} is out of range or repeated (count ${count})`);
    cursors[p.index] = p.cursor;
  }
  const missing = cursors.findIndex((c) => c === undefined);
  if (missing >= 0 || positions.length !== count) throw new OptionError(`joinPositions: the position of shard ${missing < 0 ? count - 1 : missing} of ${count} is missing`);
  return { seed: first.seed, epoch: first.epoch, layout: first.layout, cursors };
}

/** The global block order of an epoch: independent of the shard count. */
function globalOrder(layout: Layout, epochSeed: number): number[] {
  return stratifiedWindows(layout.blocks, layout.openBlocks, randomInt(epochSeed)).flat();
}

/**
 * Every shard's windows for an epoch with this layout: shard k's list is what shard k reads.
 * @example
 * const windows = planShards({ count: 4, blocks: 100, blockBytes: 1 << 20, openBlocks: 8 }, mixSeed(7, 0))[3];
 */
export function planShards(layout: Layout, epochSeed: number): PlannedWindow[][] {
  const order = globalOrder(layout, epochSeed);
  const depth = depthOf(layout);
  const seeds = mixSeed(mixSeed(epochSeed, 1000 + depth), layout.count);
  const partials: PlannedWindow[] = [];
  let pool = order;
  if (layout.from !== undefined) {
    const from = layout.from;
    const old = planShards(from.layout, epochSeed);
    const rank = new Map(order.map((b, j) => [b, j]));
    const left: number[] = [];
    old.forEach((windows, k) => {
      const { window, row } = from.cursors[k]!;
      windows.forEach((w, i) => {
        if (i === window && row > 0) partials.push({ blocks: w.blocks, seed: w.seed, skip: (w.skip ?? 0) + row });
        else if (i > window || (i === window && row === 0)) {
          // A window that had started already (a partial of an earlier resume) keeps its grouping.
          if ((w.skip ?? 0) > 0) partials.push({ blocks: w.blocks, seed: w.seed, skip: w.skip! });
          else left.push(...w.blocks);
        }
      });
    });
    pool = left.sort((a, b) => rank.get(a)! - rank.get(b)!);
  }
  return Array.from({ length: layout.count }, (_, k) => {
    const mine = partials.filter((_, j) => j % layout.count === k);
    const blocks = pool.filter((_, j) => j % layout.count === k);
    for (let at = 0, w = 0; at < blocks.length; at += layout.openBlocks, w++) {
      mine.push({ blocks: blocks.slice(at, at + layout.openBlocks), seed: mixSeed(mixSeed(seeds, k), w) });
    }
    return mine;
  });
}

function depthOf(layout: Layout): number {
  return layout.from === undefined ? 0 : 1 + depthOf(layout.from.layout);
}

/**
 * Checks that a position fits this data and these settings (same seed, block geometry and
 * block count), so that a resume reads the blocks it was cut from.
 */
export function checkResume(position: JobPosition, seed: number, blockBytes: number, openBlocks: number, blocks: number): void {
  const l = position.layout;
  const what = l.blockBytes !== blockBytes ? `blockBytes ${l.blockBytes}, now ${blockBytes}` : l.openBlocks !== openBlocks ? `openBlocks ${l.openBlocks}, now ${openBlocks}` : l.blocks !== blocks ? `${l.blocks} blocks, now ${blocks} (the data changed)` : position.seed !== seed ? `seed ${position.seed}, now ${seed}` : undefined;
  if (what !== undefined) throw new OptionError(`resume: the position was taken with ${what}`);
  if (position.cursors.length !== l.count) throw new OptionError(`resume: the position has ${position.cursors.length} cursors for ${l.count} shards`);
}
