import assert from 'node:assert/strict';
import { DataError } from '../../src/errors.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { chunkToArray } from '../../src/chunk.js';
import { csv } from '../../src/index.js';
import { CsvRanges } from '../../src/csv/ranges.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-ranges-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const columns = { a: 'int32', b: 'float32' } as const;
const header = ['a', 'b'];
let files = 0;

async function viaRanges(file: string, cuts: number[], options = {}): Promise<{ a: number; b: number }[][]> {
  const ranges = new CsvRanges(file, { columns, header, ...options });
  try {
    const out = [];
    for (let i = 0; i + 1 < cuts.length; i++) out.push((await ranges.read(cuts[i]!, cuts[i + 1]!)).flatMap((c) => chunkToArray(c) as { a: number; b: number }[]));
    return out;
  } finally {
    await ranges.close();
  }
}

test('each range holds the rows that start in it, as csv({ byteRange }) gives them', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.integer({ min: -99999, max: 99999 }), fc.integer({ min: 0, max: 999 })), { maxLength: 80 }),
      fc.constantFrom('\n', '\r\n'),
      fc.boolean(),
      fc.boolean(),
      fc.array(fc.integer({ min: 0, max: 4000 }), { maxLength: 8 }),
      async (rows, eol, blankLines, lastNewline, rawCuts) => {
        const lines = rows.map(([a, b], i) => `${a},${b / 10}${blankLines && i % 7 === 3 ? eol : ''}`);
        const text = lines.join(eol) + (lastNewline || rows.length === 0 ? eol : '');
        const file = path.join(dir, `p${files++}.csv`);
        fs.writeFileSync(file, text);
        const size = Buffer.byteLength(text);
        const cuts = [...new Set([0, size, ...rawCuts.map((c) => c % (size + 1))])].sort((x, y) => x - y);
        const got = await viaRanges(file, cuts);
        for (let i = 0; i + 1 < cuts.length; i++) {
          const want = await csv(file, { columns, header, byteRange: [cuts[i]!, cuts[i + 1]!] }).toArray();
          assert.deepEqual(got[i], want, `range [${cuts[i]}, ${cuts[i + 1]})`);
        }
        // Together the ranges hold every row once, in order.
        assert.deepEqual(got.flat(), await csv(file, { columns, header }).toArray());
      },
    ),
    { numRuns: 150 },
  );
});

test('a line longer than the slack read past the end, a BOM, and a last line with no newline', async () => {
  const file = path.join(dir, 'long.csv');
  // The BOM is bytes 0-2, row 1 starts at 3, row 2 at 7 and runs 40k bytes past the first range.
  fs.writeFileSync(file, `\ufeff1,2\n3,4.${'0'.repeat(40_000)}\n5,6`);
  const [first, second] = await viaRanges(file, [0, 8, 50_000]);
  assert.deepEqual(first, [{ a: 1, b: 2 }, { a: 3, b: 4 }]);
  assert.deepEqual(second, [{ a: 5, b: 6 }]);
});

test('quoted fields and string columns are read by csv() itself; a bad row names its line in the file', async () => {
  const file = path.join(dir, 'quoted.csv');
  fs.writeFileSync(file, '1,2\n"3",4\n5,x\n');
  const ranges = new CsvRanges(file, { columns, header, onBadRow: 'skip' });
  assert.deepEqual((await ranges.read(0, 8)).flatMap((c) => chunkToArray(c)), [{ a: 1, b: 2 }, { a: 3, b: 4 }]);
  await ranges.close();
  const strict = new CsvRanges(file, { columns, header });
  await assert.rejects(strict.read(8, 14), (e: unknown) => e instanceof DataError && e.line === 3 && /quoted\.csv:3, column 'b'/.test(e.message));
  await strict.close();
  const strings = new CsvRanges(file, { columns: { a: 'string' }, header, engine: 'general' });
  assert.deepEqual((await strings.read(0, 4)).flatMap((c) => chunkToArray(c)), [{ a: '1' }]);
  await strings.close();
});

test('concurrent reads share one descriptor, closed by close()', async () => {
  const file = path.join(dir, 'many.csv');
  fs.writeFileSync(file, Array.from({ length: 5000 }, (_, i) => `${i},${i / 2}`).join('\n') + '\n');
  const fds = () => fs.readdirSync('/proc/self/fd').length;
  const before = fds();
  const ranges = new CsvRanges(file, { columns, header });
  const size = fs.statSync(file).size;
  const parts = await Promise.all(Array.from({ length: 8 }, (_, k) => ranges.read(Math.floor((k * size) / 8), Math.floor(((k + 1) * size) / 8))));
  assert.equal(parts.flat().reduce((n, c) => n + chunkToArray(c).length, 0), 5000);
  assert.ok(fds() <= before + 1);
  await ranges.close();
  assert.equal(fds(), before);
});
