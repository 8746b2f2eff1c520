import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ColumnChunk, concatChunks, epochCounter, sameLayout } from '../src/chunk.js';
import { ColumnSlots } from '../src/shuffle/columns.js';

const chunk = (columns: Record<string, Int32Array | Float32Array | Float64Array>) => new ColumnChunk(1, columns);

test('sameLayout: the same names in the same order with the same dtypes, for chunks and ColumnSlots alike', () => {
  const a = chunk({ u: new Int32Array(1), r: new Float32Array(1) });
  const cases: [ColumnChunk<unknown>, boolean][] = [
    [chunk({ u: new Int32Array(2), r: new Float32Array(2) }), true],
    [chunk({ r: new Float32Array(1), u: new Int32Array(1) }), false], // order
    [chunk({ u: new Int32Array(1), r: new Float64Array(1) }), false], // dtype
    [chunk({ u: new Int32Array(1), x: new Float32Array(1) }), false], // name
    [chunk({ u: new Int32Array(1) }), false], // fewer
    [chunk({ u: new Int32Array(1), r: new Float32Array(1), t: new Int32Array(1) }), false], // more
  ];
  const slots = new ColumnSlots(a, 4);
  for (const [b, same] of cases) {
    assert.equal(sameLayout(a, b), same);
    assert.equal(sameLayout(b, a), same);
    assert.equal(sameLayout(slots, b), same);
    assert.equal(sameLayout(b, new ColumnSlots(b, 1)), true);
    assert.equal(sameLayout(slots, new ColumnSlots(b, 1)), same);
  }
});

test('concatChunks stays columnar only for parts of the same layout', () => {
  const a = chunk({ u: Int32Array.of(1), r: Float32Array.of(0.5) });
  const b = chunk({ u: Int32Array.of(2), r: Float32Array.of(1.5) });
  const joined = concatChunks([a, b]);
  assert.ok(joined instanceof ColumnChunk);
  assert.deepEqual([...joined.columns.u!], [1, 2]);
  const mixed = concatChunks([a, chunk({ u: Int32Array.of(3), r: Float64Array.of(2.5) })]);
  assert.deepEqual(mixed, [{ u: 1, r: 0.5 }, { u: 3, r: 2.5 }]);
});

test('epochCounter: the epoch asked for, else the one after the last', () => {
  const epochs = epochCounter();
  assert.deepEqual([epochs(), epochs(), epochs(7), epochs(), epochs(2), epochs()], [0, 1, 7, 8, 2, 3]);
});
