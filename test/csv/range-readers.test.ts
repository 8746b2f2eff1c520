// Issue 13: csvParallel and shuffledCsv honour csv()'s contract: one file identity per
// epoch (a file truncated, overwritten or renamed over mid-epoch is a FileError), absolute
// line numbers in a DataError that keeps its line and column, 'skip' counted in ds.stats,
// quoted newlines refused up front, FileError for file problems, non-regular files refused
// before they are opened, tiny ranges never hang.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { csv, csvParallel, DataError, FileError, shuffledCsv } from '../../src/index.js';
import { tempFiles } from '../helpers/temp-files.js';

const { dir, file } = tempFiles('sluice-range-readers-');
const columns = { a: 'int32', b: 'int32', c: 'int32' } as const;
type Opts = { onBadRow?: 'error' | 'skip' };
interface Reader {
  toArray(): Promise<unknown[]>;
  count(): Promise<number>;
  chunks(): AsyncIterable<unknown>;
  stats?: { skipped: number };
}
const readers: Record<string, (p: string, o?: Opts, bytes?: number) => Reader> = {
  csvParallel: (p, o = {}, bytes = 4096) => csvParallel(p, { columns, workers: 2, rangeBytes: bytes, ...o }),
  shuffledCsv: (p, o = {}, bytes = 4096) => shuffledCsv(p, { columns, shuffle: { seed: 1, blockBytes: bytes }, ...o }),
};

function rows(n: number, bad: Map<number, string> = new Map()): string {
  const out = ['a,b,c'];
  for (let i = 0; i < n; i++) out.push(bad.get(i + 2) ?? `${i},${i % 7},${i % 11}`); // bad: by file line
  return out.join('\n') + '\n';
}

async function error(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
}

/** Reads the first chunk, does `change`, reads on: the epoch must end with a FileError. */
async function changedMidEpoch(ds: Reader, change: () => void): Promise<unknown> {
  const it = ds.chunks()[Symbol.asyncIterator]();
  await it.next();
  change();
  try {
    for (;;) if ((await it.next()).done) return 'ended';
  } catch (e) {
    return e;
  } finally {
    await it.return?.();
  }
}

for (const [name, read] of Object.entries(readers)) {
  describe(`${name}: csv()'s contract`, () => {
    test('a missing file, a directory: FileError naming the path', async () => {
      const missing = path.join(dir, 'nope.csv');
      const e1 = await error(read(missing).toArray());
      assert.ok(e1 instanceof FileError && e1.message.includes(missing), String(e1));
      const d = path.join(dir, `${name}-dir`);
      fs.mkdirSync(d, { recursive: true });
      const e2 = await error(read(d).toArray());
      assert.ok(e2 instanceof FileError && e2.message.includes(d) && /directory/.test(e2.message), String(e2));
    });

    test('an empty file: no rows, as csv() reads it (no "not among the header names ()")', async () => {
      const p = file('');
      assert.deepEqual(await csv(p, { columns }).toArray(), []);
      assert.deepEqual(await read(p).toArray(), []);
    });

    test('a FIFO with no writer, and /dev/zero: a FileError up front, nothing blocks', async () => {
      const fifo = path.join(dir, `${name}.fifo`);
      execFileSync('mkfifo', [fifo]);
      for (const p of [fifo, '/dev/zero']) {
        const e = await error(read(p).toArray());
        assert.ok(e instanceof FileError && e.message.includes(p) && /regular file/.test(e.message), String(e));
      }
    });

    test('a bad row on line 7001: DataError with that line and the column, not a block-relative one', async () => {
      const p = file(rows(9000, new Map([[7001, '6999,x,3']])));
      const e = await error(read(p).toArray());
      const data = e instanceof DataError ? e : (e as { cause?: unknown }).cause;
      assert.ok(data instanceof DataError, String(e));
      assert.equal(data.line, 7001);
      assert.equal(data.column, 'b');
      assert.match((e as Error).message, /:7001\b/);
    });

    test("'skip': the count is in ds.stats, as csv() counts it", async () => {
      const text = rows(9000, new Map([[5, '3,x,3'], [4000, '1,2'], [8999, 'q,1,1']]));
      const p = file(text);
      const ds = read(p, { onBadRow: 'skip' });
      assert.equal((await ds.toArray()).length, 8997);
      assert.equal(ds.stats?.skipped, 3);
      const reference = csv(p, { columns, onBadRow: 'skip' });
      await reference.count();
      assert.equal(reference.stats.skipped, 3);
    });

    test('quoted newlines: refused with the reason and the alternative, also under skip (never rows lost)', async () => {
      const body = Array.from({ length: 3000 }, (_, i) => (i % 500 === 7 ? `${i},"1\n2",3` : `${i},1,2`)).join('\n');
      const p = file(`a,b,c\n${body}\n`);
      for (const onBadRow of ['error', 'skip'] as const) {
        const e = await error(read(p, { onBadRow }).toArray());
        assert.ok(e instanceof DataError || e instanceof FileError || (e as Error).name === 'FormatError', String(e));
        assert.match((e as Error).message, /newline/);
        assert.match((e as Error).message, /csv\(\)/);
      }
    });

    for (const [what, change] of [
      ['truncated', (p: string) => fs.truncateSync(p, 1000)],
      ['overwritten', (p: string) => fs.writeFileSync(p, rows(50_000).replaceAll('1', '2'))],
      ['renamed over', (p: string) => (fs.writeFileSync(`${p}.new`, rows(50_000)), fs.renameSync(`${p}.new`, p))],
    ] as const) {
      test(`a file ${what} mid-epoch: FileError, never a short or mixed epoch`, async () => {
        const p = file(rows(50_000));
        const e = await changedMidEpoch(read(p, {}, 2048), () => change(p));
        assert.ok(e instanceof FileError && e.message.includes(p), String(e));
      });
    }
  });
}

test('csvParallel with tiny ranges (1-16 bytes) and 2 workers: every row, 50 epochs, no hang', async () => {
  const p = file(rows(40));
  for (let i = 0; i < 50; i++) {
    const bytes = 1 + (i % 16);
    assert.equal(await csvParallel(p, { columns, workers: 2, rangeBytes: bytes }).count(), 40, `rangeBytes ${bytes}`);
  }
});
