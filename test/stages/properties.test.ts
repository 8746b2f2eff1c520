// Exactly once, for random pipelines: the output multiset equals what the stages promise.
// A model runs the same stages on plain arrays. While order is known the model keeps the
// exact sequence; after a shuffle it keeps the multiset, and only order-free stages follow.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type Dataset, range } from '../../src/index.js';
import { sorted, tracked } from '../helpers/sources.js';

type Step =
  | { kind: 'map'; mul: number; add: number }
  | { kind: 'filter'; mod: number; rem: number }
  | { kind: 'flatMap'; copies: number }
  | { kind: 'take'; n: number }
  | { kind: 'skip'; n: number }
  | { kind: 'shard'; count: number; index: number }
  | { kind: 'repeat'; count: number }
  | { kind: 'concat'; n: number }
  | { kind: 'prefetch'; depth: number }
  | { kind: 'zipFirst'; n: number };

type Tail = { kind: 'shuffle'; buffer: number; seed: number } | { kind: 'none' };

const orderedStep: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('map' as const), mul: fc.integer({ min: -3, max: 3 }), add: fc.integer({ min: -5, max: 5 }) }),
  fc.integer({ min: 2, max: 4 }).chain((mod) => fc.record({ kind: fc.constant('filter' as const), mod: fc.constant(mod), rem: fc.integer({ min: 0, max: mod - 1 }) })),
  fc.record({ kind: fc.constant('flatMap' as const), copies: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('take' as const), n: fc.integer({ min: 0, max: 300 }) }),
  fc.record({ kind: fc.constant('skip' as const), n: fc.integer({ min: 0, max: 300 }) }),
  fc.integer({ min: 1, max: 4 }).chain((count) => fc.record({ kind: fc.constant('shard' as const), count: fc.constant(count), index: fc.integer({ min: 0, max: count - 1 }) })),
  fc.record({ kind: fc.constant('repeat' as const), count: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('concat' as const), n: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ kind: fc.constant('prefetch' as const), depth: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('zipFirst' as const), n: fc.integer({ min: 0, max: 300 }) }),
);

function applyStep(ds: Dataset<number>, step: Step): Dataset<number> {
  switch (step.kind) {
    case 'map':
      return ds.map((x) => x * step.mul + step.add);
    case 'filter':
      return ds.filter((x) => ((x % step.mod) + step.mod) % step.mod === step.rem);
    case 'flatMap':
      return ds.flatMap((x) => Array.from({ length: step.copies }, (_, k) => x + k * 1000));
    case 'take':
      return ds.take(step.n);
    case 'skip':
      return ds.skip(step.n);
    case 'shard':
      return ds.shard(step.count, step.index);
    case 'repeat':
      return ds.repeat(step.count);
    case 'concat':
      return ds.concat(range(step.n));
    case 'prefetch':
      return ds.prefetch(step.depth);
    case 'zipFirst':
      return ds.zip(range(step.n)).map(([x]) => x);
  }
}

function modelStep(xs: number[], step: Step): number[] {
  switch (step.kind) {
    case 'map':
      return xs.map((x) => x * step.mul + step.add);
    case 'filter':
      return xs.filter((x) => ((x % step.mod) + step.mod) % step.mod === step.rem);
    case 'flatMap':
      return xs.flatMap((x) => Array.from({ length: step.copies }, (_, k) => x + k * 1000));
    case 'take':
      return xs.slice(0, step.n);
    case 'skip':
      return xs.slice(step.n);
    case 'shard':
      return xs.filter((_, i) => i % step.count === step.index);
    case 'repeat':
      return xs.length === 0 ? [] : Array.from({ length: step.count }, () => xs).flat();
    case 'concat':
      return [...xs, ...Array.from({ length: step.n }, (_, i) => i)];
    case 'prefetch':
      return xs;
    case 'zipFirst':
      return xs.slice(0, step.n);
  }
}

const pipeline = fc.record({
  n: fc.integer({ min: 0, max: 400 }),
  chunkSize: fc.integer({ min: 1, max: 64 }),
  steps: fc.array(orderedStep, { maxLength: 5 }),
  tail: fc.oneof(
    fc.constant<Tail>({ kind: 'none' }),
    fc.record({ kind: fc.constant('shuffle' as const), buffer: fc.integer({ min: 1, max: 100 }), seed: fc.integer() }),
  ),
  after: fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('map' as const), mul: fc.integer({ min: 1, max: 3 }), add: fc.integer({ min: -5, max: 5 }) }),
      fc.record({ kind: fc.constant('prefetch' as const), depth: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('repeat' as const), count: fc.integer({ min: 0, max: 2 }) }),
    ),
    { maxLength: 2 },
  ),
  batch: fc.option(fc.record({ size: fc.integer({ min: 1, max: 40 }), dropRemainder: fc.boolean() }), { nil: undefined }),
});

test('random pipelines over range(n) emit exactly the promised elements', async () => {
  await fc.assert(
    fc.asyncProperty(pipeline, async (p) => {
      let ds = tracked(p.n, { chunkSize: p.chunkSize }).ds;
      let model = Array.from({ length: p.n }, (_, i) => i);
      for (const step of p.steps) {
        ds = applyStep(ds, step);
        model = modelStep(model, step);
      }
      const ordered = p.tail.kind === 'none';
      if (p.tail.kind === 'shuffle') ds = ds.shuffle(p.tail.buffer, { seed: p.tail.seed });
      for (const step of p.after) {
        ds = applyStep(ds, step);
        model = modelStep(model, step);
      }
      let out: number[];
      if (p.batch) {
        const batches = (await ds.batch(p.batch.size, p.batch).toArray()) as number[][];
        for (const b of batches.slice(0, -1)) assert.equal(b.length, p.batch.size);
        if (p.batch.dropRemainder) {
          model = ordered ? model.slice(0, model.length - (model.length % p.batch.size)) : model;
          assert.equal(batches.length, Math.floor(model.length / p.batch.size));
          if (!ordered) {
            // Which elements are dropped depends on the shuffle; the count does not.
            assert.equal(batches.flat().length, batches.length * p.batch.size);
            return;
          }
        }
        out = batches.flat();
      } else {
        out = await ds.toArray();
      }
      if (ordered) assert.deepEqual(out, model);
      else assert.deepEqual(sorted(out), sorted(model));
      if (ds.size !== undefined && !p.batch) assert.equal(ds.size, out.length, 'size must match the elements');
    }),
    { numRuns: 300 },
  );
});

test('shuffle of columnar chunks keeps rows whole and emits each once', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 120 }), fc.integer(), async (n, chunkSize, buffer, seed) => {
      const { ds } = tracked(n, { chunkSize, columnar: true });
      const rows = await ds.shuffle(buffer, { seed }).toArray();
      assert.deepEqual(sorted(rows.map((r) => r.id)), Array.from({ length: n }, (_, i) => i));
      for (const r of rows) assert.equal(r.half, r.id / 2);
    }),
    { numRuns: 200 },
  );
});
