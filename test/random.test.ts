// The sfc32 step is written in random.ts (randomInt's closure, nextBelow over a state array,
// drawBelow) and inlined in two hot loops (swapDrawn4, dealShuffled4). These
// tests pin every copy to randomInt's stream, draw for draw, and fail when a new copy appears
// that is not pinned here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { ColumnChunk } from '../src/chunk.js';
import { drawBelow, nextBelow, randomInt, randomState, shuffleInsideOut } from '../src/random.js';
import { ColumnSlots } from '../src/shuffle/columns.js';
import { shuffledLabels } from '../src/shuffle/hand-out.js';
import { simdKernelLoaded, useSimdKernel } from '../src/kernel.js';
import { KernelSwap } from '../src/shuffle/kernel-swap.js';
import { dealShuffled4, swapDrawn4 } from '../src/shuffle/width4.js';

const DRAWS = 100_000;
const bounds = [1, 2, 3, 7, 1000, 65_535, 2 ** 31, 2 ** 32];

test('nextBelow over randomState(seed) draws what randomInt(seed) draws', () => {
  fc.assert(
    fc.property(fc.integer(), fc.constantFrom(...bounds), (seed, n) => {
      const rand = randomInt(seed);
      const state = randomState(seed);
      for (let i = 0; i < 2_000; i++) assert.equal(nextBelow(state, n), rand(n));
    }),
    { numRuns: 60 },
  );
  const [rand, state] = [randomInt(-1), randomState(-1)];
  for (let i = 0; i < DRAWS; i++) assert.equal(nextBelow(state, (i % 5000) + 1), rand((i % 5000) + 1));
});

test('drawBelow with rising bounds draws what randomInt(seed) draws for an inside-out Fisher–Yates at any index, and hands the state on', () => {
  fc.assert(
    fc.property(fc.integer(), fc.integer({ min: 0, max: 2 ** 31 - 5000 }), fc.integer({ min: 0, max: 3000 }), (seed, at, count) => {
      const rand = randomInt(seed);
      const state = randomState(seed);
      const out = new Int32Array(count + 1).fill(-7);
      drawBelow(state, at + 1, count, out, 1);
      for (let k = 0; k < count; k++) assert.equal(out[k], rand(at + k + 1));
      assert.equal(out[count], -7, 'nothing past count');
      for (let k = 0; k < 10; k++) assert.equal(nextBelow(state, 1000), rand(1000));
    }),
    { numRuns: 60 },
  );
});

/** The inside-out Fisher–Yates that dealShuffled continues, drawn from randomInt: row at + k trades places with a random earlier one. */
function referenceShuffle<R>(rows: R[], at: number, out: R[], rand: (n: number) => number): void {
  rows.forEach((row, k) => {
    const i = at + k;
    const j = rand(i + 1);
    out[i] = out[j]!;
    out[j] = row;
  });
}

test('dealShuffled4 (inlined step), the generic dealShuffled, shuffleInsideOut and shuffledLabels make randomInt\'s inside-out shuffle', () => {
  const rows = 20_000;
  const cols = (width: number, from: number, count: number) =>
    Object.fromEntries(Array.from({ length: width }, (_, c) => [`c${c}`, Int32Array.from({ length: count }, (_, r) => (from + r) * 8 + c)]));
  for (const width of [4, 3, 5]) {
    for (const seed of [0, 5, -123456]) {
      const slots = new ColumnSlots(new ColumnChunk(rows, cols(width, 0, rows)), rows);
      const state = randomState(seed);
      // Three chunks in turn, as BlockDealer calls it for a block's chunks.
      const ranges = [[0, 7000], [7000, 1], [7001, rows - 7001]] as const;
      for (const [from, count] of ranges) slots.dealShuffled(new ColumnChunk(count, cols(width, from, count)), from, state, new Int32Array(count));
      const rand = randomInt(seed);
      const want: number[][] = [];
      referenceShuffle(Array.from({ length: rows }, (_, r) => Array.from({ length: width }, (_, c) => r * 8 + c)), 0, want, rand);
      const chunk = slots.chunk(rows);
      const got = Array.from({ length: rows }, (_, i) => Object.values(chunk.columns).map((column) => column[i]!));
      assert.deepEqual(got, want, `width ${width}, seed ${seed}`);
      // The state was handed on: its next draws are randomInt's next draws.
      for (let i = 0; i < 1000; i++) assert.equal(nextBelow(state, 1 << 20), rand(1 << 20));
    }
  }
  // dealShuffled4 called directly; shuffleInsideOut and shuffledLabels over the same draws.
  const n = DRAWS;
  const buf = new Int32Array(4 * n);
  dealShuffled4(Array.from({ length: 4 }, (_, c) => Int32Array.from({ length: n }, (_, i) => 4 * i + c)), n, 0, buf, randomState(99));
  const want: number[] = [];
  referenceShuffle(Array.from({ length: n }, (_, i) => i), 0, want, randomInt(99));
  for (let i = 0; i < n; i++) if (buf[4 * i] !== 4 * want[i]! || buf[4 * i + 3] !== 4 * want[i]! + 3) assert.fail(`row ${i} is row ${buf[4 * i]! / 4}, randomInt's order has row ${want[i]}`);
  const items = Array.from({ length: n }, (_, i) => i);
  shuffleInsideOut(items, randomState(99));
  assert.deepEqual(items, want);
  const counts = [3, 0, 70_000, 1, n - 70_004];
  const sorted = counts.flatMap((c, b) => Array.from({ length: c }, () => b));
  const wantLabels: number[] = [];
  referenceShuffle(sorted, 0, wantLabels, randomInt(99));
  assert.deepEqual(Array.from(shuffledLabels(counts, randomState(99))), wantLabels);
});

test('shuffledLabels gives the same labels and hands on the same state in the WebAssembly kernel and in JavaScript, past 2^21 labels too (where the draw leaves the integer product)', () => {
  assert.equal(simdKernelLoaded(), true);
  const counts = [1_200_000, 3, 0, 1_000_000]; // 2,200,003 labels
  const both = [true, false].map((on) => {
    useSimdKernel(on);
    try {
      const state = randomState(-77);
      const labels = shuffledLabels(counts, state);
      return { labels, next: nextBelow(state, 1 << 30) };
    } finally {
      useSimdKernel(true);
    }
  });
  assert.equal(both[0]!.next, both[1]!.next);
  const [kernelOrder, jsOrder] = [both[0]!.labels, both[1]!.labels];
  const firstDiff = kernelOrder.findIndex((v, i) => v !== jsOrder[i]);
  assert.equal(firstDiff, -1, `label ${firstDiff} differs`);
  assert.deepEqual([0, 1, 2, 3].map((b) => kernelOrder.filter((v) => v === b).length), counts);
});

test('swapDrawn4 (inlined step) and the kernel\'s swap (KernelSwap, any width) swap with the slots randomInt draws, and hand the state on', () => {
  const cases = [[3, 10_000, 0, 4096], [-8, 7, 100, 3000], [1 << 30, 1, 5, 50], [11, 3000, 17, 9000]] as const; // 9000: three kernel calls
  const ways = [[4, 'javascript'], [4, 'kernel'], [3, 'kernel'], [2, 'kernel'], [1, 'kernel'], [5, 'kernel']] as const;
  for (const [seed, capacity, from, count] of cases) for (const [width, how] of ways) {
    const swap = how === 'kernel' ? KernelSwap.create(capacity, width) : undefined;
    if (how === 'kernel') assert.ok(swap !== undefined, 'the kernel is built');
    const slots = swap?.slots ?? new Int32Array(width * capacity);
    for (let i = 0; i < slots.length; i++) slots[i] = -1 - i;
    const cols = Array.from({ length: width }, (_, c) => Int32Array.from({ length: from + count }, (_, r) => 10 * r + c));
    const state = randomState(seed);
    if (swap === undefined) swapDrawn4(slots, capacity, from, count, cols, state);
    else swap.swapDrawn(cols, from, count, state);
    // The same swaps, one randomInt draw a row, on plain arrays.
    const rand = randomInt(seed);
    const wantSlots = Array.from({ length: width * capacity }, (_, i) => -1 - i);
    const wantCols = Array.from({ length: width }, (_, c) => Array.from({ length: from + count }, (_, r) => 10 * r + c));
    for (let r = from; r < from + count; r++) {
      const s = rand(capacity);
      for (let c = 0; c < width; c++) [wantSlots[width * s + c], wantCols[c]![r]] = [wantCols[c]![r]!, wantSlots[width * s + c]!];
    }
    const what = `${how}, width ${width}, seed ${seed}`;
    assert.deepEqual(Array.from(slots), wantSlots, `${what}: slots`);
    cols.forEach((col, c) => assert.deepEqual(Array.from(col), wantCols[c], `${what}: column ${c}`));
    for (let i = 0; i < 100; i++) assert.equal(nextBelow(state, 1 << 20), rand(1 << 20));
  }
  assert.ok(KernelSwap.create(100, 12) !== undefined, 'twelve columns swap in the kernel');
  assert.equal(KernelSwap.create(100, 13), undefined, 'wider rows stay in JavaScript');
});

test('drawBelow (inlined step) fills what nextBelow draws, one call at a time, and hands the state on', () => {
  fc.assert(
    fc.property(fc.integer(), fc.constantFrom(...bounds.filter((b) => b <= 2 ** 31)), fc.integer({ min: 0, max: 3000 }), (seed, n, count) => {
      // Draws land in an Int32Array: bounds up to 2^31 (a shuffle buffer's capacity is far below).
      const rand = randomInt(seed);
      const state = randomState(seed);
      const out = new Int32Array(count + 1).fill(-7);
      drawBelow(state, n, count, out);
      for (let k = 0; k < count; k++) assert.equal(out[k], rand(n));
      assert.equal(out[count], -7, 'nothing past count');
      for (let k = 0; k < 10; k++) assert.equal(nextBelow(state, n), rand(n));
    }),
    { numRuns: 60 },
  );
});

test('every copy of the sfc32 step in src/ is one pinned above', () => {
  const root = resolve(import.meta.dirname, '..');
  const list = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? list(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
  // The rotation by 21 is the step's signature, however the rest is spelled.
  const copies = list(join(root, 'src')).flatMap((f) => {
    const count = (readFileSync(f, 'utf8').match(/<<\s*21\s*\)\s*\|\s*\(\s*\w+\s*>>>\s*11/g) ?? []).length;
    return count > 0 ? [`${relative(root, f)} ×${count}`] : [];
  });
  assert.deepEqual(copies.sort(), ['src/random.ts ×3', 'src/shuffle/width4.ts ×2']);
});
