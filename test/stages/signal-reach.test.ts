// AbortSignal end to end: the signal a consumer passes (sinks, chunks({ signal })) reaches
// the source's open() through every stage, so a source can stop what it cannot be asked to
// stop otherwise (a worker decoding, a socket). Each stage over a probe source that records
// the signal it was opened with; aborting the consumer's signal must abort the probe's.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ColumnChunk, Dataset, range } from '../../src/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-signal-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

type Row = { id: number; x: number };

/** An endless columnar source { id, x } that records the signal of each epoch it opens. */
function probe(): { ds: Dataset<Row>; seen: (AbortSignal | undefined)[] } {
  const seen: (AbortSignal | undefined)[] = [];
  const ds = new Dataset<Row>({
    size: undefined,
    schema: { id: 'int32', x: 'float64' },
    open: (_epoch, options) => {
      seen.push(options?.signal);
      return (async function* () {
        for (let s = 0; ; s += 256) {
          yield new ColumnChunk<Row>(256, { id: Int32Array.from({ length: 256 }, (_, i) => (s + i) % 10), x: Float64Array.from({ length: 256 }, (_, i) => s + i) });
        }
      })();
    },
  });
  return { ds, seen };
}

const table = { id: Int32Array.from({ length: 10 }, (_, i) => i), w: Float32Array.from({ length: 10 }, (_, i) => i / 10) };
let caches = 0;
const stages: Record<string, (ds: Dataset<Row>) => Dataset<unknown>> = {
  map: (ds) => ds.map((r) => r.x),
  mapParallel: (ds) => ds.mapParallel((r: Row) => r.x + 1, { concurrency: 1 }),
  mapColumns: (ds) => ds.mapColumns((c) => ({ y: c.x })),
  select: (ds) => ds.select('x'),
  rename: (ds) => ds.rename({ x: 'y' }),
  withColumn: (ds) => ds.withColumn('y', (c, size) => new Float64Array(size).fill(c.x[0]!)),
  filterRows: (ds) => ds.filterRows((c) => c.id.map((v) => (v % 2 === 0 ? 1 : 0))),
  join: (ds) => ds.join(table, { on: 'id', columns: ['w'] }),
  filter: (ds) => ds.filter((r) => r.id > 0),
  flatMap: (ds) => ds.flatMap((r) => [r.x, r.x]),
  interleave: (ds) => range(1).interleave(() => ds),
  shuffle: (ds) => ds.shuffle(100, { seed: 1 }),
  batch: (ds) => ds.batch(32),
  prefetch: (ds) => ds.prefetch(2),
  take: (ds) => ds.take(100_000),
  skip: (ds) => ds.skip(10),
  repeat: (ds) => ds.repeat(2),
  shard: (ds) => ds.shard(2, 1),
  'concat (first)': (ds) => ds.concat(range(5).map((i) => ({ id: i, x: i }))),
  'concat (second)': (ds) => range(5).map((i) => ({ id: i, x: i })).concat(ds),
  'zip (left)': (ds) => ds.zip(range(1e9)),
  'zip (right)': (ds) => range(1e9).zip(ds),
  withAbort: (ds) => ds.withAbort(new AbortController().signal),
  'cache (memory)': (ds) => ds.take(5000).cache(),
  'cache (file)': (ds) => ds.take(5000).cache(path.join(dir, `c${caches++}.arrow`)),
};

describe('the consumer\'s signal reaches the source through every stage', () => {
  for (const [name, stage] of Object.entries(stages)) {
    test(name, async () => {
      const { ds, seen } = probe();
      const ac = new AbortController();
      const it = stage(ds).chunks({ signal: ac.signal })[Symbol.asyncIterator]();
      for (let i = 0; i < 5 && seen.length === 0; i++) await it.next(); // concat opens its second part later
      assert.equal(seen.length, 1, 'the source was opened once');
      const signal = seen[0];
      assert.ok(signal instanceof AbortSignal, 'the source was opened with a signal');
      assert.equal(signal.aborted, false);
      const reason = new Error('stop');
      ac.abort(reason);
      assert.equal(signal.aborted, true, 'aborting the consumer aborts the source\'s signal');
      assert.equal(signal.reason, reason);
      await it.return?.().catch(() => {});
    });
  }
});
