import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { joinPositions, planShards, type Layout } from '../../src/shuffle/shard-plan.js';
import { shuffledCsvFiles } from '../../src/sources/csv-files.js';
import { OptionError } from '../../src/errors.js';
import { EpochCursor } from '../../src/resume.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('planShards', () => {
  it('the shards of an epoch take every block exactly once, about 1/count each, by a pure function', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 9 }), fc.integer(), (blocks, openBlocks, count, seed) => {
        const layout: Layout = { count, blocks, blockBytes: 1, openBlocks };
        const shards = planShards(layout, seed);
        const all = shards.flatMap((s) => s.flatMap((w) => w.blocks)).sort((a, b) => a - b);
        assert.deepEqual(all, Array.from({ length: blocks }, (_, i) => i));
        for (const s of shards) assert.ok(Math.abs(s.reduce((n, w) => n + w.blocks.length, 0) - blocks / count) <= 1);
        assert.deepEqual(planShards(layout, seed), shards);
      }),
    );
  });

  it('a resume with another count re-reads only part-read windows and leaves no block out or twice', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.array(fc.tuple(fc.nat(40), fc.nat(3)), { minLength: 6, maxLength: 6 }), (blocks, openBlocks, before, after, picks) => {
        const layout: Layout = { count: before, blocks, blockBytes: 1, openBlocks };
        const old = planShards(layout, 5);
        // Each old shard stopped at some window, part-way through it (row > 0) or at its start.
        const cursors = old.map((windows, k) => ({ window: Math.min(picks[k]![0], windows.length), row: picks[k]![1] }));
        const done = new Set<number>();
        const partial: number[] = [];
        old.forEach((windows, k) => windows.forEach((w, i) => {
          if (i < cursors[k]!.window) w.blocks.forEach((b) => done.add(b));
          if (i === cursors[k]!.window && cursors[k]!.row > 0) partial.push(...w.blocks);
        }));
        const resumed = planShards({ ...layout, count: after, from: { seed: 0, epoch: 0, layout, cursors } }, 5);
        const read = resumed.flatMap((s) => s.flatMap((w) => w.blocks));
        assert.equal(new Set(read).size, read.length, 'a block dealt twice');
        for (const b of read) assert.ok(!done.has(b), `block ${b} was delivered before the checkpoint`);
        assert.equal(read.length + done.size, blocks);
        // Re-read windows are the part-read ones, each skipping what was delivered.
        const skipped = resumed.flatMap((s) => s.filter((w) => (w.skip ?? 0) > 0));
        assert.equal(skipped.reduce((n, w) => n + w.blocks.length, 0), partial.length);
      }),
    );
  });
});

describe('shard and resume options', () => {
  it('are checked when the pipeline is built', () => {
    assert.throws(() => shuffledCsvFiles('x.csv', { shard: { count: 2, index: 2 } }), /shard\.index must be < shard\.count \(2\), got 2/);
    assert.throws(() => shuffledCsvFiles('x.csv', { shard: { count: 2, index: 0, batchsize: 4 } as never }), /unknown option 'batchsize' \(did you mean 'batchSize'\?\)/);
    assert.throws(() => shuffledCsvFiles('x.csv', { shards: 2 } as never), OptionError);
    assert.throws(() => joinPositions([]), /no positions/);
    const p = { seed: 0, epoch: 0, layout: { count: 2, blocks: 4, blockBytes: 1, openBlocks: 2 }, index: 0, cursor: { window: 0, row: 0 } };
    assert.throws(() => joinPositions([p]), /the position of shard 1 of 2 is missing/);
    assert.throws(() => joinPositions([p, { ...p, epoch: 1, index: 1 }]), /epoch 1/);
  });
});

describe('EpochCursor over a sharded dataset (what sluice train --checkpoint uses)', () => {
  it('resumes by replay with every row of the shard exactly once', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sluice-cursor-')), 'ids.csv');
    writeFileSync(path, 'id\n' + Array.from({ length: 3000 }, (_, i) => `${i}\n`).join(''));
    const make = () => shuffledCsvFiles(path, { columns: { id: 'int32' }, shuffle: { blockBytes: 1024, openBlocks: 3, seed: 2 }, shard: { count: 2, index: 1 } });
    const all: number[] = [];
    for await (const r of make().iterator({ epoch: 0 })) all.push(r.id);
    const cursor = new EpochCursor(make());
    const got: number[] = [];
    for await (const r of cursor.run()) {
      got.push(r.id);
      if (got.length === 700) break;
    }
    for await (const r of new EpochCursor(make(), cursor.state()).run()) got.push(r.id);
    assert.deepEqual(got, all);
    assert.ok(all.length > 1000 && all.length < 2000);
  });
});
