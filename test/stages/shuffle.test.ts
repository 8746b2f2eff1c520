// The columnar shuffle buffer (packed rows for 4-byte columns, one array per column
// otherwise) must give exactly what the row-object buffer gives for the same seed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ColumnChunk, Dataset, type NumericArray } from '../../src/index.js';
import { useSimdKernel } from '../../src/kernel.js';

type Layout = ('int32' | 'float32' | 'float64')[];

function columnar(layout: Layout, n: number, chunkSize: number, fresh = false, seen: ColumnChunk[] = []): Dataset<Record<string, number>> {
  const value = (c: number, i: number) => (layout[c] === 'int32' ? i * 10 + c : i + c / 4); // exact in float32
  return new Dataset({
    size: n,
    freshChunks: fresh,
    open: async function* () {
      for (let s = 0; s < n; s += chunkSize) {
        const size = Math.min(chunkSize, n - s);
        const columns: Record<string, NumericArray> = {};
        layout.forEach((d, c) => {
          const a = d === 'int32' ? new Int32Array(size) : d === 'float32' ? new Float32Array(size) : new Float64Array(size);
          for (let i = 0; i < size; i++) a[i] = value(c, s + i);
          columns[`c${c}`] = a;
        });
        const chunk = new ColumnChunk(size, columns);
        seen.push(chunk);
        yield chunk;
      }
      return undefined;
    },
  });
}

test('columnar shuffle equals the row shuffle element for element, for every column layout', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom('int32' as const, 'float32' as const, 'float64' as const), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 0, max: 600 }),
      fc.integer({ min: 1, max: 90 }),
      fc.integer({ min: 1, max: 200 }),
      fc.integer(),
      async (layout, n, chunkSize, buffer, seed) => {
        const cols = await columnar(layout, n, chunkSize).shuffle(buffer, { seed }).toArray();
        const rows = await columnar(layout, n, chunkSize).map((r) => ({ ...r })).shuffle(buffer, { seed }).toArray();
        const inPlace = await columnar(layout, n, chunkSize, true).shuffle(buffer, { seed }).toArray();
        assert.deepEqual(cols, rows);
        assert.deepEqual(inPlace, rows);
        // Exactly once each: the shuffled first column is a permutation of the input's.
        const first = cols.map((r) => r['c0']!).sort((x, y) => x - y);
        assert.deepEqual(first, Array.from({ length: n }, (_, i) => (layout[0] === 'int32' ? i * 10 : i)));
      },
    ),
    { numRuns: 200 },
  );
});

test('4-byte columns in fresh chunks (one to six), swapped in the kernel (KernelSwap), come out as the row shuffle and as JavaScript\'s swap give them', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom('int32' as const, 'float32' as const), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 0, max: 12_000 }),
      fc.oneof(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 4000, max: 9000 })), // past the kernel's 4096 rows a call
      fc.integer({ min: 1, max: 3000 }),
      fc.integer(),
      async (layout, n, chunkSize, buffer, seed) => {
        const kernel = await columnar(layout, n, chunkSize, true).shuffle(buffer, { seed }).toArray();
        useSimdKernel(false);
        try {
          assert.deepEqual(kernel, await columnar(layout, n, chunkSize, true).shuffle(buffer, { seed }).toArray());
        } finally {
          useSimdKernel(true);
        }
        assert.deepEqual(kernel, await columnar(layout, n, chunkSize).map((r) => ({ ...r })).shuffle(buffer, { seed }).toArray());
      },
    ),
    { numRuns: 60 },
  );
});

test('a dtype change mid-epoch falls back to rows without losing any', async () => {
  const a = columnar(['int32', 'float32'], 50, 10);
  const b = columnar(['int32', 'float64'], 30, 7);
  const out = await a.concat(b).shuffle(40, { seed: 3 }).toArray();
  // Every row once, whole (its two columns still together), and no longer in input order.
  const key = (r: Record<string, number>) => `${r['c0']}|${r['c1']}`;
  const expected = [...(await a.toArray()), ...(await b.toArray())].map(key);
  assert.deepEqual(out.map(key).sort(), [...expected].sort());
  assert.notDeepEqual(out.map(key), expected);
});

test('fresh chunks (ChunkSource.freshChunks) are swapped in place and handed on: no output allocated', async () => {
  const seen: ColumnChunk[] = [];
  const outputs: ArrayBufferLike[][] = [];
  let rows = 0;
  for await (const chunk of columnar(['int32', 'float32', 'int32', 'float32'], 10_000, 1000, true, seen).shuffle(500, { seed: 1 }).chunks()) {
    if (!(chunk instanceof ColumnChunk)) throw new Error('expected columns');
    outputs.push(Object.values(chunk.columns).map((a) => a.buffer));
    rows += chunk.size;
  }
  const inputs = new Set(seen.flatMap((c) => Object.values(c.columns).map((a) => a.buffer)));
  // Every chunk out is an input chunk's arrays, but the drain's (the last 500 rows, one chunk).
  const own = outputs.map((bs) => bs.every((b) => inputs.has(b)));
  assert.deepEqual([seen.length, rows], [10, 10_000]);
  assert.deepEqual(own, [...own.slice(0, -1).map(() => true), false]);
});

test('chunks a stage keeps are never written: a cached epoch shuffles the same', async () => {
  const cached = columnar(['int32', 'float32'], 3000, 256, true).cache();
  const first = await cached.shuffle(100, { seed: 5, reshuffleEachEpoch: false }).toArray();
  const second = await cached.shuffle(100, { seed: 5, reshuffleEachEpoch: false }).toArray();
  assert.deepEqual(second, first);
  assert.deepEqual((await cached.toArray()).map((r) => r['c0']), Array.from({ length: 3000 }, (_, i) => i * 10));
});
