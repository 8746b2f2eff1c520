// The next epoch's first window, read by the workers during an epoch's last hand-out
// (src/shuffle/early-window.ts): the same rows in the same order as without it, kept only for
// the epoch and source it was read for, nothing left in flight after an epoch, and no more
// block storage than two windows.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ColumnChunk, shuffledCsv } from '../../src/index.js';
import { epochOf } from '../../src/chunk.js';
import { checkOptions } from '../../src/shuffle/block.js';
import { claimReader, type RangeReader } from '../../src/shuffle/claims.js';
import { type PartReader, type WindowClaims, windowShuffle } from '../../src/shuffle/windows.js';

type Row = { id: number };
const dir = mkdtempSync(join(tmpdir(), 'sluice-early-'));
const BLOCK = 500;
const BLOCKS = 6 * 4; // 6 windows of 4 blocks
const ROWS = BLOCKS * BLOCK;

/**
 * A block shuffle over in-memory "bytes" (row ids) with one worker; every part a reader
 * reads is logged with the phase the test is in, its window's claims and who read it, and
 * the storage of every block is collected. `fail(phase)` true makes a block's read reject.
 */
function harness(version = () => 'v1', fail: (phase: string) => boolean = () => false) {
  const log: { phase: string; window: WindowClaims; blocks: number; by: string }[] = [];
  const state = { phase: 'epoch 0' };
  const storage = new Set<unknown>();
  const reader: RangeReader<Row> = {
    read: async (start, end) => {
      await Promise.resolve();
      if (fail(state.phase)) throw new Error(`block at ${start} failed`);
      return [new ColumnChunk<Row>(end - start, { id: Int32Array.from({ length: end - start }, (_, i) => start + i) })];
    },
    close: async () => {},
  };
  const seen = (by: string, read: PartReader<Row>): PartReader<Row> => async (window, spares) => {
    const blocks = await read(window, spares);
    for (const b of blocks) storage.add(b.slots);
    log.push({ phase: state.phase, window, blocks: blocks.length, by });
    return blocks;
  };
  const settings = checkOptions({ blockBytes: BLOCK, openBlocks: 4, seed: 7 });
  const ds = windowShuffle<Row>(() => ROWS, () => ({ here: seen('here', claimReader(reader)), workers: [seen('worker', claimReader(reader))] }), settings, version);
  return { ds, log, state, storage };
}

async function ids(epoch: AsyncIterable<unknown>): Promise<number[]> {
  const out: number[] = [];
  for await (const c of epoch) out.push(...(c as ColumnChunk<Row>).columns.id!);
  return out;
}
const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
const all = Array.from({ length: ROWS }, (_, i) => i);
/** Blocks read per window (claims object), and the phases each was read in. */
function byWindow(log: ReturnType<typeof harness>['log']): Map<WindowClaims, { blocks: number; phases: Set<string>; by: Set<string> }> {
  const out = new Map<WindowClaims, { blocks: number; phases: Set<string>; by: Set<string> }>();
  for (const { window, blocks, phase, by } of log) {
    const w = out.get(window) ?? { blocks: 0, phases: new Set(), by: new Set() };
    w.blocks += blocks;
    w.phases.add(phase);
    if (blocks > 0) w.by.add(`${phase}: ${by}`);
    out.set(window, w);
  }
  return out;
}

test('the worker reads the next epoch\'s first window during the last hand-out; that epoch comes out as it does without it, and no block is read twice', async () => {
  const { ds, log, state, storage } = harness();
  const epochs: number[][] = [];
  for (let e = 0; e < 3; e++) {
    state.phase = `epoch ${e}`;
    epochs.push(await ids(epochOf(ds.source)));
  }
  for (const [e, rows] of epochs.entries()) {
    assert.deepEqual(sorted(rows), all, `epoch ${e}: every row once`);
    assert.deepEqual(rows, await ids(epochOf(harness().ds.source, e)), `epoch ${e}: the order a fresh dataset gives epoch ${e}`);
  }
  const windows = [...byWindow(log).values()];
  // One claims object a window: 6 for each epoch, of which epochs 1 and 2 took their first
  // from the epoch before (read there by the worker), and one more for epoch 3's first
  // window, read during epoch 2 and never opened. Dropped, they would make 21.
  assert.equal(windows.length, 3 * 6 + 1);
  const spanning = windows.filter((w) => w.phases.size === 2);
  assert.deepEqual(spanning.map((w) => [...w.phases]), [['epoch 0', 'epoch 1'], ['epoch 1', 'epoch 2']]);
  for (const w of spanning) assert.ok(w.by.has(`${[...w.phases][0]}: worker`), JSON.stringify([...w.by]));
  for (const w of windows) assert.ok(w.blocks <= 4, 'no block of a window read twice');
  assert.ok(windows.filter((w) => w.blocks < 4).length <= 1, 'every window read whole but the one never opened');
  // Two windows of storage: the last window handed out while the worker reads the next epoch's first.
  assert.ok(storage.size <= 8, `${storage.size} blocks' storage`);
});

test('blocks read early are dropped, and the window read again, when the next epoch opened is another, the source changed, or the early read failed', async () => {
  const fresh = async (e: number) => ids(epochOf(harness().ds.source, e));
  // Another epoch: 0, then 5.
  {
    const { ds, log } = harness();
    await ids(epochOf(ds.source));
    assert.deepEqual(await ids(epochOf(ds.source, 5)), await fresh(5));
    assert.equal([...byWindow(log).values()].filter((w) => w.phases.size === 2).length, 0);
  }
  // Another version of the source.
  {
    let version = 'v1';
    const { ds, log, state } = harness(() => version);
    await ids(epochOf(ds.source));
    version = 'v2';
    state.phase = 'epoch 1';
    assert.deepEqual(await ids(epochOf(ds.source)), await fresh(1));
    assert.equal(byWindow(log).size, 2 * 6 + 2, 'epoch 1 read its first window itself');
  }
  // An early read that fails: epoch 0 ends well, epoch 1 reads the window (and would meet the error itself).
  {
    let reads = 0;
    const { ds, state } = harness(undefined, (phase) => phase === 'epoch 0' && ++reads > BLOCKS);
    assert.deepEqual(sorted(await ids(epochOf(ds.source))), all);
    state.phase = 'epoch 1';
    assert.deepEqual(await ids(epochOf(ds.source)), await fresh(1));
  }
});

test('shuffledCsv: a file rewritten between epochs is read as it is now, though the worker read the next epoch\'s first window early', async () => {
  const file = join(dir, 'rewritten.csv');
  const write = (rating: number) => writeFileSync(file, 'userId,movieId,rating\n' + Array.from({ length: 30_000 }, (_, i) => `${i % 97},${i},${rating}`).join('\n') + '\n');
  write(1);
  const ds = shuffledCsv(file, { columns: { userId: 'int32', movieId: 'int32', rating: 'float32' }, workers: 1, shuffle: { blockBytes: 8 << 10, openBlocks: 8, seed: 3 } });
  // A slow consumer: the worker has time to read ahead during the last window.
  let rows = 0;
  for await (const c of ds.chunks()) {
    rows += (c as ColumnChunk<unknown>).size;
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.equal(rows, 30_000);
  write(2); // the same size; another mtime
  const ratings = new Set((await ds.toArray()).map((r) => r.rating));
  assert.deepEqual([...ratings], [2]);
});

test('a break in the last window stops the early read: no descriptor left open, and the next epoch is whole', async () => {
  const file = join(dir, 'break.csv');
  writeFileSync(file, 'userId,movieId,rating\n' + Array.from({ length: 20_000 }, (_, i) => `${i % 89},${i},3.5`).join('\n') + '\n');
  const ds = shuffledCsv(file, { columns: { userId: 'int32', movieId: 'int32', rating: 'float32' }, workers: 1, shuffle: { blockBytes: 8 << 10, openBlocks: 8, seed: 4 } });
  await ds.take(10).toArray(); // the worker thread is up
  const fds = () => readdirSync('/proc/self/fd').length;
  const before = fds();
  let n = 0;
  for await (const _ of ds) if (++n === 19_990) break;
  assert.equal(fds(), before);
  assert.deepEqual((await ds.toArray()).map((r) => r.movieId).sort((a, b) => a - b), Array.from({ length: 20_000 }, (_, i) => i));
});
