import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ColumnChunk, range, StageError } from '../../src/index.js';
import { background } from '../../src/sources/background.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const index = JSON.stringify(fileURLToPathSafe(new URL('../../src/index.ts', import.meta.url)));

function fileURLToPathSafe(u: URL): string {
  return decodeURIComponent(u.pathname);
}

// The pipeline module, as a user would write it (TypeScript, in an ESM package).
fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
const pipelineFile = path.join(dir, 'pipeline.ts');
fs.writeFileSync(
  pipelineFile,
  `import { range, Dataset, ColumnChunk } from ${index};
export const build = (n: number) => range(n).map((x) => ({ id: x, sq: x * x })).shuffle(100, { seed: 1 });
export default build;
export const columns = new Dataset({ size: 3, open: () => (async function* () { yield new ColumnChunk(3, { a: new Int32Array([1, 2, 3]) }); return undefined; })() });
export const failing = () => range(1000).map((x) => { if (x === 500) throw new RangeError('boom 500'); return x; });
export const limits = async () => { const { resourceLimits } = await import('node:worker_threads'); return range(1).map(() => resourceLimits.maxYoungGenerationSizeMb ?? -1); };
// Counts the chunks it has made in shared memory, for the bound test.
export const counted = (made: Int32Array) => new Dataset({ size: undefined, open: () => (async function* () { for (let i = 0; i < 200; i++) { Atomics.add(made, 0, 1); yield [i]; } return undefined; })() });
`,
);
const pipeline = pathToFileURL(pipelineFile);
const local = (n: number) => range(n).map((x) => ({ id: x, sq: x * x })).shuffle(100, { seed: 1 });

describe('background', () => {
  test('streams the pipeline built in the worker: same elements, same order per epoch', async () => {
    const ds = background<{ id: number; sq: number }>(pipeline, { args: [5000], exportName: 'build' });
    const want = local(5000);
    const e0 = await ds.toArray();
    const e1 = await ds.toArray();
    assert.deepEqual(e0, await want.toArray());
    assert.deepEqual(e1, await want.toArray(), 'epoch 1 reshuffles like the local pipeline’s epoch 1');
    assert.notDeepEqual(e0, e1);
    assert.equal(ds.size, 5000);
    // Explicit epoch numbers pass through to the worker (the same thread, a third epoch).
    const a = [];
    for await (const c of ds.chunks({ epoch: 3 })) a.push(c);
    const b = [];
    for await (const c of want.chunks({ epoch: 3 })) b.push(c);
    assert.deepEqual(a, b);
  });

  test('columnar chunks arrive as ColumnChunks (arrays moved)', async () => {
    const chunks = [];
    for await (const c of background(pipeline, { exportName: 'columns' }).chunks()) chunks.push(c);
    assert.ok(chunks[0] instanceof ColumnChunk);
    assert.deepEqual([...(chunks[0] as ColumnChunk).columns['a']!], [1, 2, 3]);
  });

  test('an error in the worker rejects the consumer with the original error', async () => {
    const err = await background(pipeline, { exportName: 'failing' }).toArray().then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StageError);
    assert.match(err.message, /boom 500/);
    assert.match(String((err.cause as Error).message), /boom 500/);
  });

  test('bounded: the worker is never more than `depth` chunks ahead of a slow consumer, and not held back by one', async () => {
    const made = new Int32Array(new SharedArrayBuffer(4));
    const depth = 8;
    const ds = background<number>(pipeline, { exportName: 'counted', args: [made], depth });
    let taken = 0;
    let most = 0;
    let filled = false;
    for await (const chunk of ds.chunks()) {
      taken++;
      if (taken % 20 === 0) {
        // A consumer that pauses (training a step): the worker fills up to `depth` ahead
        // meanwhile, and no further. Waited for by count (a hang detector, not a timing).
        const want = Math.min(depth, 200 - taken); // the last pause: only what is left
        for (let turn = 0; turn < 2000 && Atomics.load(made, 0) - taken < want; turn++) await new Promise((r) => setTimeout(r, 10));
        filled ||= want === depth && Atomics.load(made, 0) - taken >= depth;
        await new Promise((r) => setTimeout(r, 20)); // a little longer: would it run past depth?
      }
      most = Math.max(most, Atomics.load(made, 0) - taken);
      void chunk;
    }
    assert.equal(taken, 200);
    assert.ok(most <= depth, `the worker ran ${most} chunks ahead (depth ${depth})`);
    assert.ok(filled, 'the worker filled the queue to depth while the consumer paused');
  });

  test('options are checked when the pipeline is built', () => {
    assert.throws(() => background('relative.js'), /absolute path/);
    assert.throws(() => background(pipeline, { depth: 0 }), /depth must be an integer >= 1/);
  });
});

test('background resourceLimits: the worker thread runs under them; a bad value is refused up front', async () => {
  const ds = background<number>(pipeline, { exportName: 'limits', resourceLimits: { maxYoungGenerationSizeMb: 8 } });
  const [young] = await ds.toArray();
  // V8 rounds the young generation to its page layout; without the limit it is far larger.
  assert.ok(young! > 0 && young! <= 12, String(young));
  assert.throws(() => background(pipeline, { resourceLimits: { maxYoungGenerationSizeMb: 0 } }), /resourceLimits\.maxYoungGenerationSizeMb/);
});
