import assert from 'node:assert/strict';
import { DataError } from '../../src/errors.js';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { blockShuffle, type BlockShuffleOptions, CHUNK_SIZE, ColumnChunk, csv, Dataset, mixSeed, randomInt, range, shuffledCsv } from '../../src/index.js';
import { randomState } from '../../src/random.js';
import { BlockDealer } from '../../src/shuffle/dealer.js';
import { handOut, type LabelScratch } from '../../src/shuffle/hand-out.js';
import { type PartReader, stratifiedWindows, windowShuffle } from '../../src/shuffle/windows.js';
import { claimReader, type RangeReader } from '../../src/shuffle/claims.js';
import { checkOptions } from '../../src/shuffle/block.js';
import { epochOf } from '../../src/chunk.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-block-'));
const columns = { userId: 'int32', movieId: 'int32', rating: 'float32' } as const;

/** A user-sorted ratings file: `users` users with `per` ratings each; movieId = row number. */
function sortedFile(users: number, per: number): string {
  const file = join(dir, `sorted-${users}-${per}.csv`);
  const rows = ['userId,movieId,rating'];
  for (let u = 0; u < users; u++) for (let k = 0; k < per; k++) rows.push(`${u},${u * per + k},${1 + ((u + k) % 9) / 2}`);
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

const shuffled = (file: string, shuffle: BlockShuffleOptions) => shuffledCsv(file, { columns, shuffle });

test('every row exactly once per epoch, for any block size, open count and buffer', async () => {
  const file = sortedFile(60, 37);
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 16, max: 5000 }), fc.integer({ min: 1, max: 40 }), fc.integer(), async (blockBytes, openBlocks, seed) => {
      const rows = await shuffled(file, { blockBytes, openBlocks, seed }).toArray();
      const ids = rows.map((r) => r.movieId).sort((a, b) => a - b);
      assert.deepEqual(ids, Array.from({ length: 60 * 37 }, (_, i) => i));
      for (const r of rows) assert.equal(r.userId, Math.floor(r.movieId / 37));
    }),
    { numRuns: 40 },
  );
});

test('deterministic per seed and epoch; each epoch a new order', async () => {
  const file = sortedFile(40, 25);
  const o = { blockBytes: 700, openBlocks: 4, seed: 11 };
  const ids = async (ds: ReturnType<typeof shuffled>, epoch?: number) => {
    const out: number[] = [];
    for await (const r of ds.iterator({ epoch })) out.push(r.movieId);
    return out;
  };
  const a = shuffled(file, o);
  const b = shuffled(file, o);
  const [a0, a1] = [await ids(a), await ids(a)];
  assert.deepEqual(await ids(b), a0);
  assert.notDeepEqual(a0, a1);
  assert.deepEqual(await ids(b, 1), a1);
  const fixed = shuffled(file, { ...o, reshuffleEachEpoch: false });
  assert.deepEqual(await ids(fixed), await ids(fixed));
});

test('mixes a user-sorted file: batches hold many users, unlike a small buffer alone', async () => {
  const file = sortedFile(400, 50); // 20k rows, users in runs of 50
  const distinctPerBatch = (users: number[]) => {
    let total = 0;
    let batches = 0;
    for (let i = 0; i + 256 <= users.length; i += 256, batches++) total += new Set(users.slice(i, i + 256)).size;
    return total / batches;
  };
  const block = (await shuffled(file, { blockBytes: 2048, openBlocks: 64, seed: 1 }).toArray()).map((r) => r.userId);
  const bufferOnly = (await csv(file, { columns }).shuffle(1000, { seed: 1 }).toArray()).map((r) => r.userId);
  const perfect = 400 * (1 - Math.exp(-256 / 400)); // expected distinct users in 256 uniform draws
  const b = distinctPerBatch(block);
  const s = distinctPerBatch(bufferOnly);
  assert.ok(b > 0.75 * perfect && b > 2 * s, `block shuffle ${b.toFixed(1)} distinct users per 256 (perfect ${perfect.toFixed(1)}), buffer-only ${s.toFixed(1)}`);
});

test('break closes every block file', async () => {
  const file = sortedFile(100, 30);
  const fds = () => readdirSync('/proc/self/fd').length;
  const before = fds();
  let n = 0;
  for await (const _ of shuffled(file, { blockBytes: 500, openBlocks: 8 })) if (++n === 10) break;
  assert.equal(fds(), before);
});

test('blockShuffle over any range reader: exactly once over in-memory "ranges" too', async () => {
  const ds = blockShuffle(1000, (start, end) => range(start, end), { blockBytes: 64, openBlocks: 3, seed: 2 });
  const out = await ds.toArray();
  assert.deepEqual([...out].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  assert.notDeepEqual(out.slice(0, 50), Array.from({ length: 50 }, (_, i) => i));
});

test('blocks smaller than a row still give every row exactly once', async () => {
  const file = sortedFile(6, 5);
  for (const blockBytes of [1, 2, 3, 5, 7, 11, 16]) {
    const rows = await shuffled(file, { blockBytes, openBlocks: 3, seed: blockBytes }).toArray();
    assert.deepEqual(rows.map((r) => r.movieId).sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i), `blockBytes ${blockBytes}`);
  }
});

test('options that no longer exist are refused by name', () => {
  assert.throws(() => blockShuffle(10, (s, e) => range(s, e), { buffer: 5 } as never), /'buffer' is not an option/);
});

test('windows that outgrow the last one, change layout, or mix layouts still give every row once', async () => {
  // Block b holds 1 + (b * 37) % 90 rows; odd blocks carry a float64 column, even ones int32.
  const blocks = 40;
  const rowsOf = (b: number) => 1 + ((b * 37) % 90);
  const first = (b: number) => Array.from({ length: b }, (_, k) => rowsOf(k)).reduce((x, y) => x + y, 0);
  const read = (start: number) => {
    const b = start / 10;
    const n = rowsOf(b);
    const id = Int32Array.from({ length: n }, (_, i) => first(b) + i);
    const v = b % 2 === 0 ? new Int32Array(n) : new Float64Array(n);
    return new Dataset<{ id: number; v: number }>({ size: n, open: async function* () { yield new ColumnChunk(n, { id, v }); return undefined; } });
  };
  const total = first(blocks);
  for (const openBlocks of [1, 2, 3]) {
    const ids = (await blockShuffle(blocks * 10, read, { blockBytes: 10, openBlocks, seed: openBlocks }).toArray()).map((r) => r.id);
    assert.deepEqual(ids.sort((a, b) => a - b), Array.from({ length: total }, (_, i) => i), `openBlocks ${openBlocks}`);
  }
});

test('shuffledCsv: header-less files, a BOM, quoted header names and CRLF', async () => {
  const rows = Array.from({ length: 200 }, (_, i) => `${i % 7},${i},${(i % 9) / 2 + 0.5}`);
  const plain = join(dir, 'noheader.csv');
  writeFileSync(plain, rows.join('\n') + '\n');
  const named = await shuffledCsv(plain, { header: ['userId', 'movieId', 'rating'], columns, shuffle: { blockBytes: 100, openBlocks: 4 } }).toArray();
  assert.deepEqual(named.map((r) => r.movieId).sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i));
  const quoted = join(dir, 'bom.csv');
  writeFileSync(quoted, '\ufeff"userId","movieId","rating"\r\n' + rows.join('\r\n') + '\r\n');
  const out = await shuffledCsv(quoted, { columns, shuffle: { blockBytes: 64, openBlocks: 3 } }).toArray();
  assert.deepEqual(out.map((r) => r.movieId).sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i));
  for (const r of out) assert.equal(r.userId, r.movieId % 7);
  assert.throws(() => shuffledCsv(plain, { byteRange: [0, 1] } as never), /byteRange is chosen per block/);
});

test('the same rows in the same order with 0, 1 or 2 workers: every draw is seeded by block or window', async () => {
  const file = sortedFile(300, 70); // 21k rows, ~200 KB
  const shuffle = { blockBytes: 4096, openBlocks: 8, seed: 5 };
  const runs = await Promise.all([0, 1, 2].map((workers) => shuffledCsv(file, { columns, workers, shuffle }).toArray()));
  assert.deepEqual(runs[0]!.map((r) => r.movieId).sort((a, b) => a - b), Array.from({ length: 300 * 70 }, (_, i) => i));
  assert.deepEqual(runs[1], runs[0]);
  assert.deepEqual(runs[2], runs[0]);
  // Another epoch, another order; the same with workers.
  const ds = shuffledCsv(file, { columns, workers: 1, shuffle });
  const [e0, e1] = [await ds.toArray(), await ds.toArray()];
  assert.deepEqual(e0, runs[0]);
  assert.notDeepEqual(e1, e0);
});

test('a bad row met by a worker or by this thread rejects the epoch with a DataError naming the file, its line in the file and the column', async () => {
  const rows = Array.from({ length: 3000 }, (_, i) => (i === 1700 ? `1,oops,3` : `${i % 9},${i},${(i % 9) / 2 + 0.5}`));
  const file = join(dir, 'bad.csv');
  writeFileSync(file, 'userId,movieId,rating\n' + rows.join('\n') + '\n');
  for (const workers of [0, 1]) {
    await assert.rejects(shuffledCsv(file, { columns, workers, shuffle: { blockBytes: 2048, openBlocks: 4 } }).toArray(), (e: unknown) => e instanceof DataError && e.line === 1702 && /bad\.csv:1702, column 'movieId'/.test(e.message), `workers ${workers}`);
  }
  const skipped = await shuffledCsv(file, { columns, workers: 1, onBadRow: 'skip', shuffle: { blockBytes: 2048, openBlocks: 4 } }).toArray();
  assert.equal(skipped.length, 2999);
});

test('break with a worker reading: the epoch ends at once and leaves no descriptor open', async () => {
  const file = sortedFile(400, 60);
  const fds = () => readdirSync('/proc/self/fd').length;
  const ds = shuffledCsv(file, { columns, workers: 1, shuffle: { blockBytes: 1024, openBlocks: 4 } });
  await ds.take(10).toArray(); // the worker thread is up
  const before = fds();
  for (let k = 0; k < 3; k++) {
    let n = 0;
    for await (const _ of ds) if (++n === 50) break;
  }
  assert.equal(fds(), before);
});

test('workers: options are checked; without columns "auto" reads on this thread', async () => {
  const file = sortedFile(10, 10);
  assert.throws(() => shuffledCsv(file, { columns, workers: -1 }), /workers/);
  assert.throws(() => shuffledCsv(file, { workers: 1 }), /workers need `columns`/);
  assert.throws(() => shuffledCsv(file, { columns, workers: 1, onBadRow: () => {} }), /not a callback/);
  assert.equal((await shuffledCsv(file).toArray()).length, 100);
});

test('stratified windows: every block once, at most one block of each run of neighbours in a window', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 40 }), fc.integer(), (blocks, openBlocks, seed) => {
      const windows = stratifiedWindows(blocks, openBlocks, randomInt(seed));
      assert.deepEqual(windows.flat().sort((a, b) => a - b), Array.from({ length: blocks }, (_, i) => i));
      const runLength = windows.length;
      for (const w of windows) {
        assert.ok(w.length <= openBlocks);
        assert.equal(new Set(w.map((b) => Math.floor(b / runLength))).size, w.length);
      }
    }),
  );
});

test('blocks laid out in a random order, then interleaved by shuffled labels, make a uniform permutation (chi-square over all 720 orders of 6 rows; blocks of 3 + 3, 1 + 5, 2 + 0 + 4 rows)', () => {
  const trials = 36_000;
  const dealer = new BlockDealer<{ id: number }>();
  const block = (ids: number[]) => [new ColumnChunk<{ id: number }>(ids.length, { id: Int32Array.from(ids) })];
  for (const split of [[[0, 1, 2], [3, 4, 5]], [[0], [1, 2, 3, 4, 5]], [[0, 1], [], [2, 3, 4, 5]]]) {
    const counts = new Map<string, number>();
    for (let t = 0; t < trials; t++) {
      const blocks = split.map((ids, b) => dealer.deal(b, block(ids), mixSeed(t, b + 1)));
      const order = [...handOut(blocks, randomState(mixSeed(t, 9)))].flatMap((c) => Array.from((c as ColumnChunk<{ id: number }>).columns.id!));
      const key = order.join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    assert.equal(counts.size, 720, `split ${JSON.stringify(split)}`);
    const expected = trials / 720;
    const chi2 = [...counts.values()].reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 719 degrees of freedom: mean 719, sd 37.9; a biased shuffle lands far above.
    assert.ok(chi2 < 719 + 5 * 37.9, `split ${JSON.stringify(split)}: chi-square ${chi2.toFixed(0)}`);
  }
});

test('chunks end at multiples of CHUNK_SIZE rows of the epoch or at a window\'s end, so batch(1024) takes views: at most a copy a window', async () => {
  const file = sortedFile(600, 70); // 42k rows, ~400 KB, windows of ~10k rows
  const ds = shuffledCsv(file, { columns, workers: 0, shuffle: { blockBytes: 16 << 10, openBlocks: 8 } });
  const ends: number[] = [];
  for await (const c of ds.chunks()) ends.push((ends.at(-1) ?? 0) + (c as ColumnChunk<unknown>).size);
  const windows = Math.ceil(Math.ceil(statSync(file).size / (16 << 10)) / 8);
  assert.equal(ends.at(-1), 600 * 70);
  // A window's last chunk may end anywhere; the next chunk ends on a multiple again.
  const off = ends.slice(0, -1).filter((n) => n % CHUNK_SIZE !== 0);
  assert.ok(off.length <= windows, `chunk ends ${ends.join(' ')}`);
  for (const n of off) assert.equal(ends[ends.indexOf(n) + 1]! % CHUNK_SIZE === 0 || ends.indexOf(n) + 1 === ends.length - 1, true, `chunk ends ${ends.join(' ')}`);
  // A batch that is a view shares its chunk's memory, longer than the batch; a copy has its own.
  const batches = await ds.batch(1024).toArray();
  const copies = batches.filter((b) => b.columns.userId.buffer.byteLength === 1024 * 4);
  assert.ok(copies.length <= windows, `${copies.length} of ${batches.length} batches copied`);
});

test('options are checked when the pipeline is built: openBlocks past 65,536 (a row\'s block travels as a two-byte label) is an OptionError', () => {
  assert.throws(() => blockShuffle(1000, () => range(0, 1), { openBlocks: 65_537 }), (e: Error) => e.name === 'OptionError' && /openBlocks must be at most 65,536, got 65537/.test(e.message));
  assert.throws(() => shuffledCsv('ratings.csv', { columns: { a: 'int32' }, shuffle: { openBlocks: 70_000 } }), (e: Error) => e.name === 'OptionError');
  blockShuffle(1000, () => range(0, 1), { openBlocks: 65_536 }); // the largest allowed
});

test("handOut with labels kept across windows (LabelScratch) gives each window the order fresh labels give, in one array while windows do not grow", () => {
  const dealer = new BlockDealer<{ id: number }>();
  const block = (from: number, n: number) => [new ColumnChunk<{ id: number }>(n, { id: Int32Array.from({ length: n }, (_, i) => from + i) })];
  const window = (sizes: number[], seed: number) => sizes.map((n, b) => dealer.deal(b, block(1000 * b, n), mixSeed(seed, b + 1)));
  const ids = (chunks: Iterable<unknown>) => [...chunks].flatMap((c) => Array.from((c as ColumnChunk<{ id: number }>).columns.id!));
  const scratch: LabelScratch = {};
  let first: Uint16Array | undefined;
  for (const [w, sizes] of [[900, 700, 800], [5, 0, 3], [400, 400], [1, 1, 1, 1]].entries()) {
    const kept = ids(handOut(window(sizes, w), randomState(mixSeed(w, 9)), scratch));
    const fresh = ids(handOut(window(sizes, w), randomState(mixSeed(w, 9))));
    assert.deepEqual(kept, fresh, `window ${w} (${sizes.join(' + ')} rows)`);
    first ??= scratch.labels;
    assert.equal(scratch.labels, first, `window ${w}: the first window's array is reused`);
  }
});

test('block storage circulates between the threads and epochs: two windows of it, not three, when this thread reads the first window and a worker the rest; none new in the next epoch', async () => {
  const rows = 12 * 4 * 500; // 12 windows of 4 blocks of 500 rows ("bytes")
  const reader: RangeReader<{ id: number }> = {
    read: async (start, end) => [new ColumnChunk<{ id: number }>(end - start, { id: Int32Array.from({ length: end - start }, (_, i) => start + i) })],
    close: async () => {},
  };
  const storage = new Set<unknown>();
  const seen = (read: PartReader<{ id: number }>): PartReader<{ id: number }> => async (window, spares) => {
    const blocks = await read(window, spares);
    for (const b of blocks) storage.add(b.slots);
    return blocks;
  };
  // The "worker" starts a turn of the event loop late (a thread starting), so this thread reads the first window.
  let started = false;
  const worker = claimReader(reader);
  const late: PartReader<{ id: number }> = async (window, spares) => {
    if (!started) await new Promise((r) => setTimeout(r, 0));
    started = true;
    return worker(window, spares);
  };
  const ds = windowShuffle<{ id: number }>(() => rows, () => ({ here: seen(claimReader(reader)), workers: [seen(late)] }), checkOptions({ blockBytes: 500, openBlocks: 4, seed: 3 }));
  const all = Array.from({ length: rows }, (_, i) => i);
  const ids = async (epoch: AsyncIterable<unknown>): Promise<number[]> => {
    const out: number[] = [];
    for await (const c of epoch) out.push(...(c as ColumnChunk<{ id: number }>).columns.id!);
    return out.sort((a, b) => a - b);
  };
  assert.deepEqual(await ids(epochOf(ds.source)), all);
  // One window handed out while the next is read: 8 blocks' storage. Kept per thread, the
  // first window's storage stayed with this thread while the worker allocated a third window.
  assert.equal(storage.size, 8);
  // Later epochs read into the same storage; two epochs open at once share it, each block's
  // storage in one place at a time.
  assert.deepEqual(await ids(epochOf(ds.source)), all);
  assert.equal(storage.size, 8);
  assert.deepEqual(await Promise.all([ids(epochOf(ds.source)), ids(epochOf(ds.source))]), [all, all]);
});
