// Each case starts a worker pool (threads that load TypeScript under tsx): a slow test file,
// run by `npm run test:slow`. The lifecycle contract (contract-lifecycle.slow.test.ts) and
// signal-reach.test.ts keep mapParallel in `npm test`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ColumnChunk, Dataset, range, StageError } from '../../src/index.js';
import { tracked, unhandledDuring } from '../helpers/sources.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes a worker module into the temp dir and returns its URL. */
function mod(name: string, text: string): URL {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return pathToFileURL(file);
}

const square = mod('square.mjs', 'export default (x) => x * x;\n');
const jitter = mod(
  'jitter.mjs',
  // Finishing times vary by chunk, so unordered output differs from input order.
  'export default async (x, i) => { if (i % 7 === 0) await new Promise((r) => setTimeout(r, (i * 13) % 5)); return x + 1; };\n',
);
const throwing = mod('throwing.mjs', "export default (x) => { if (x === 42) throw new RangeError('bad 42'); return x; };\n");
const exiting = mod('exiting.mjs', 'export default (x) => { if (x === 100) process.exit(3); return x; };\n');
const columns = mod(
  'columns.mjs',
  'export function mapChunk(c) { const out = new Float64Array(c.size); for (let i = 0; i < c.size; i++) out[i] = c.columns.id[i] + c.columns.half[i]; return { size: c.size, columns: { sum: out, id: c.columns.id } }; }\n',
);
const records = mod('records.mjs', 'export default (r) => ({ id: r.id, twice: r.half * 2 });\n');
// An ESM package around the .ts module, as a user's project would have.
mod('package.json', '{ "type": "module" }\n');
const tsModule = mod('typed.ts', 'export default (x: number): number => x + 0.5;\n');

describe('mapParallel', () => {
  test('a module: same elements, in input order, across chunk boundaries', async () => {
    const out = await range(1000).mapParallel<number>(square, { concurrency: 2 }).toArray();
    assert.deepEqual(out, Array.from({ length: 1000 }, (_, i) => i * i));
  });

  test('a plain function (no closures) is sent as source text', async () => {
    const out = await range(50).mapParallel((x: number) => x * 3 + 1).toArray();
    assert.deepEqual(out, Array.from({ length: 50 }, (_, i) => i * 3 + 1));
  });

  test('a TypeScript module loads in the worker (tsx reaches it through execArgv)', async () => {
    const out = await range(5).mapParallel<number>(tsModule).toArray();
    assert.deepEqual(out, [0.5, 1.5, 2.5, 3.5, 4.5]);
  });

  test('ordered output is deterministic; unordered output has the same elements', async () => {
    const { ds } = tracked(300, { chunkSize: 10 });
    const a = await ds.mapParallel<number>(jitter, { concurrency: 2 }).toArray();
    const b = await ds.mapParallel<number>(jitter, { concurrency: 2 }).toArray();
    assert.deepEqual(a, Array.from({ length: 300 }, (_, i) => i + 1));
    assert.deepEqual(b, a);
    const u = await ds.mapParallel<number>(jitter, { concurrency: 2, ordered: false }).toArray();
    assert.deepEqual([...u].sort((x, y) => x - y), a);
  });

  test('columnar chunks: mapChunk sees typed arrays and returns them (moved back)', async () => {
    const { ds } = tracked(100, { columnar: true, chunkSize: 16 });
    const chunks = [];
    for await (const c of ds.mapParallel<{ sum: number; id: number }>(columns).chunks()) chunks.push(c);
    assert.ok(chunks.every((c) => c instanceof ColumnChunk));
    const rows = await ds.mapParallel<{ sum: number; id: number }>(columns).toArray();
    assert.deepEqual(rows[10], { sum: 15, id: 10 });
    const first = chunks[0] as ColumnChunk;
    assert.ok(first.columns['id'] instanceof Int32Array);
  });

  test('per-element functions over columnar input come back columnar, keeping dtypes', async () => {
    const { ds } = tracked(40, { columnar: true, chunkSize: 16 });
    const chunks = [];
    for await (const c of ds.mapParallel(records).chunks()) chunks.push(c);
    const c = chunks[0] as ColumnChunk;
    assert.ok(c instanceof ColumnChunk);
    assert.ok(c.columns['id'] instanceof Int32Array);
    assert.ok(c.columns['twice'] instanceof Float64Array);
    assert.equal(c.columns['twice']![3], 3);
  });

  test('input arrays that span their buffer are transferred, views of a shared buffer copied', async () => {
    const whole = new Int32Array([1, 2, 3]);
    const shared = new Float64Array(10);
    const part = shared.subarray(0, 3);
    const ds = new Dataset<{ a: number; b: number }>({
      size: 3,
      open: () => (async function* () {
        yield new ColumnChunk<{ a: number; b: number }>(3, { a: whole, b: part });
        return undefined;
      })(),
    });
    await ds.mapParallel((r: { a: number; b: number }) => ({ a: r.a, b: r.b })).toArray();
    assert.equal(whole.byteLength, 0, 'a whole-buffer column moves to the worker');
    assert.equal(shared.length, 10, 'the shared buffer stays usable');
  });

  test('a function that throws rejects the consumer with the original error and the element index', async () => {
    const unhandled = await unhandledDuring(async () => {
      const err = await range(1000).mapParallel(throwing, { concurrency: 2 }).toArray().then(
        () => assert.fail('expected a rejection'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof StageError, String(err));
      assert.equal(err.index, 42);
      assert.ok(err.cause instanceof RangeError);
      assert.equal((err.cause as Error).message, 'bad 42');
      assert.match(err.message, /bad 42/);
    });
    assert.deepEqual(unhandled, []);
  });

  test('a result that cannot be cloned, or a thrown non-Error, is described with the element (not "[object Object]")', async () => {
    const unclonable = (x: number): unknown => (x === 17 ? () => x : x);
    await assert.rejects(range(40).mapParallel(unclonable as (x: number) => number, { concurrency: 1 }).toArray(), (e: unknown) => {
      assert.ok(e instanceof StageError, String(e));
      assert.match(e.message, /^mapParallel: the worker's result could not be cloned to the main thread: .*could not be cloned.* at element 17$/);
      return true;
    });
    const throwsObject = (x: number): number => {
      if (x === 5) throw { code: 42 }; // eslint-disable-line no-throw-literal
      return x;
    };
    await assert.rejects(range(10).mapParallel(throwsObject, { concurrency: 1 }).toArray(), /^StageError: mapParallel: a thrown object \{"code":42\} at element 5$/);
  });

  test('a worker that exits rejects the consumer (no hang) and closes the source', async () => {
    const { ds, tracker } = tracked(1000, { chunkSize: 50 });
    const err = await ds.mapParallel(exiting, { concurrency: 2 }).toArray().then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StageError, String(err));
    assert.match(String((err.cause as Error).message), /exited with code: 3/);
    assert.equal(tracker.closed, 1);
  });

  test('an upstream error passes through after the chunks before it', async () => {
    const { ds, tracker } = tracked(100, { chunkSize: 10, failAt: 55 });
    const seen: number[] = [];
    await assert.rejects(
      ds.mapParallel(square).forEach((x) => void seen.push(x as number)),
      /source failed at 55/,
    );
    assert.equal(tracker.closed, 1);
    assert.ok(seen.length <= 50);
  });

  test('early break destroys the pool and closes the source; the process is left with no worker', async () => {
    const { ds, tracker } = tracked(100_000, { chunkSize: 100 });
    let n = 0;
    for await (const _ of ds.mapParallel(square, { concurrency: 2 })) if (++n === 5) break;
    assert.equal(tracker.closed, 1);
    // Bounded: never more than `concurrency` + 1 chunks pulled ahead.
    assert.ok(tracker.pulled <= 100 * 4, `pulled ${tracker.pulled}`);
    // Every worker thread has ended: none is left holding the event loop.
    const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
    assert.equal(handles.filter((h) => (h as { constructor: { name: string } }).constructor.name === 'Worker').length, 0);
  });

  test('each epoch runs afresh', async () => {
    const ds = range(20).mapParallel<number>(square);
    assert.deepEqual(await ds.toArray(), await ds.toArray());
    assert.equal(ds.size, 20);
  });

  test('bad options are rejected when the pipeline is built', () => {
    assert.throws(() => range(3).mapParallel(square, { concurrency: 0 }), /concurrency must be an integer >= 1/);
    assert.throws(() => range(3).mapParallel('relative/path.js'), /absolute path/);
    assert.throws(() => range(3).mapParallel(Math.sqrt), /native function/);
  });
});
