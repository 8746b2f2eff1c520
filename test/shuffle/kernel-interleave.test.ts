// The kernel's interleave (src/shuffle/kernel-interleave.ts) against interleave4 and
// interleavePacked, the JavaScript references: the same output rows and the same cursors,
// chunk by chunk, for rows of any width.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { shuffledCsv } from '../../src/index.js';
import { simdKernelLoaded, useSimdKernel } from '../../src/kernel.js';
import { randomState } from '../../src/random.js';
import { shuffledLabels } from '../../src/shuffle/hand-out.js';
import { interleavedInKernel } from '../../src/shuffle/kernel-interleave.js';
import { interleave4, interleavePacked } from '../../src/shuffle/width4.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every chunk of a window interleaved one way: the `width` output columns of each, and the cursors after. */
function interleaveAll(how: 'kernel' | 'js' | 'js-any', packs: Int32Array[], labels: Uint16Array, chunk: number, width = 4): { chunks: number[][]; cursors: number[] } {
  const cursors = new Int32Array(packs.length);
  const chunks: number[][] = [];
  for (let from = 0; from < labels.length; from += chunk) {
    const count = Math.min(chunk, labels.length - from);
    const dsts = Array.from({ length: width }, () => new Int32Array(count));
    if (how === 'js') interleave4(packs, labels, from, count, cursors, dsts);
    else if (how === 'js-any') interleavePacked(packs, labels, from, count, cursors, dsts);
    else assert.equal(interleavedInKernel(packs, labels, from, count, cursors, dsts), true, 'the kernel took the chunk');
    chunks.push(dsts.flatMap((d) => Array.from(d)));
  }
  return { chunks, cursors: Array.from(cursors) };
}

test('the kernel interleaves as interleave4 does: same rows in the same order, same cursors, for any block sizes and chunk size', { skip: !simdKernelLoaded() && 'no kernel' }, () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 700 }), fc.integer(), (sizes, chunk, seed) => {
      // Row r of block b holds b, r and two values of its own (negative ones included).
      const packs = sizes.map((n, b) => Int32Array.from({ length: 4 * n }, (_, i) => (i % 4 === 0 ? b : i % 4 === 1 ? i >> 2 : (seed ^ (i * 2654435761)) | 0)));
      const labels = shuffledLabels(sizes, randomState(seed));
      assert.deepEqual(interleaveAll('kernel', packs, labels, chunk), interleaveAll('js', packs, labels, chunk));
    }),
    { numRuns: 60 },
  );
});

test('the kernel interleaves rows of one to seven values as interleavePacked does (and interleavePacked as interleave4, for four)', { skip: !simdKernelLoaded() && 'no kernel' }, () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 7 }), fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 700 }), fc.integer(), (width, sizes, chunk, seed) => {
      // Row r of block b holds b, r and values of its own (negative ones included).
      const packs = sizes.map((n, b) => Int32Array.from({ length: width * n }, (_, i) => (i % width === 0 ? b : i % width === 1 ? Math.floor(i / width) : (seed ^ (i * 2654435761)) | 0)));
      const labels = shuffledLabels(sizes, randomState(seed));
      const reference = interleaveAll('js-any', packs, labels, chunk, width);
      assert.deepEqual(interleaveAll('kernel', packs, labels, chunk, width), reference);
      if (width === 4) assert.deepEqual(interleaveAll('js', packs, labels, chunk), reference);
    }),
    { numRuns: 80 },
  );
});

test('a block-shuffled epoch of four, three or two 4-byte columns comes out the same with the kernel as without it', { skip: !simdKernelLoaded() && 'no kernel' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-kernel-interleave-'));
  const file = join(dir, 'ratings.csv');
  const lines = ['userId,movieId,rating,timestamp'];
  for (let i = 0; i < 20_000; i++) lines.push(`${i >> 6},${i},${1 + (i % 9) / 2},${1_500_000_000 + i}`);
  writeFileSync(file, lines.join('\n') + '\n');
  const layouts = [
    { userId: 'int32', movieId: 'int32', rating: 'float32', timestamp: 'int32' },
    { userId: 'int32', movieId: 'int32', rating: 'float32' },
    { movieId: 'int32', rating: 'float32' },
  ] as const;
  for (const columns of layouts) {
    const epoch = () => shuffledCsv(file, { columns, workers: 0, shuffle: { seed: 7, blockBytes: 4096, openBlocks: 16 } }).toArray();
    const withKernel = await epoch();
    useSimdKernel(false);
    try {
      assert.deepEqual(await epoch(), withKernel, Object.keys(columns).join());
    } finally {
      useSimdKernel(true);
    }
    assert.deepEqual(withKernel.map((r) => r.movieId).sort((a, b) => a - b), Array.from({ length: 20_000 }, (_, i) => i));
  }
});
