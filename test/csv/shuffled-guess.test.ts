// shuffledCsv without `columns`: the dtypes are guessed once an epoch from the file's first
// rows, as csv() guesses them, so every block decodes alike (a guess each block made from its
// own rows differed from block to block), and workers read the blocks when every column is a
// number.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ColumnChunk, csv, shuffledCsv } from '../../src/index.js';
import { csvThreads } from '../../src/csv/pool.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-shuffled-guess-'));

/** Ratings with halves a block would guess differently: x.5 ratings first, whole ones after. */
function mixedFile(rows: number): string {
  const file = join(dir, `mixed-${rows}.csv`);
  const lines = ['userId,movieId,rating'];
  for (let i = 0; i < rows; i++) lines.push(`${i % 97},${i},${i < rows / 2 ? 0.5 + (i % 5) : 1 + (i % 5)}`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** Each chunk's column types, with how many chunks had them. */
async function layouts(chunks: AsyncIterable<unknown>): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for await (const c of chunks) {
    const key = c instanceof ColumnChunk ? Object.entries(c.columns).map(([n, a]) => `${n}:${a.constructor.name}`).join(' ') : 'rows';
    seen[key] = (seen[key] ?? 0) + 1;
  }
  return seen;
}

test('without columns, every block decodes to the dtypes csv() guesses from the first rows', async () => {
  const file = mixedFile(20_000);
  const want = 'userId:Int32Array movieId:Int32Array rating:Float64Array';
  assert.deepEqual(Object.keys(await layouts(csv(file).chunks())), [want]);
  const ds = shuffledCsv(file, { workers: 0, shuffle: { seed: 3, blockBytes: 4096, openBlocks: 8 } });
  for (let epoch = 0; epoch < 2; epoch++) assert.deepEqual(Object.keys(await layouts(ds.chunks())), [want], `epoch ${epoch}`);
  const ids = (await ds.toArray()).map((r) => r.movieId as number).sort((a, b) => a - b);
  assert.deepEqual(ids, Array.from({ length: 20_000 }, (_, i) => i));
});

test('without columns, workers (auto) read the blocks of numbers, in the same order as this thread alone', { skip: availableParallelism() < 2 && 'one CPU: auto starts no worker' }, async () => {
  const file = mixedFile(30_000);
  const shuffle = { seed: 9, blockBytes: 8192, openBlocks: 6 };
  const alone = await shuffledCsv(file, { workers: 0, shuffle }).toArray();
  assert.equal(csvThreads(1)?.length ?? 0, 0, 'no worker yet');
  const auto = await shuffledCsv(file, { shuffle }).toArray();
  assert.ok((csvThreads(1)?.length ?? 0) > 0, 'a worker read blocks');
  assert.deepEqual(auto, alone);
});

test('without columns, a text column is guessed as text (this thread reads the blocks) and no row is lost', async () => {
  const file = join(dir, 'titles.csv');
  const lines = ['movieId,title,year'];
  for (let i = 0; i < 3000; i++) lines.push(`${i},Film ${i},${1950 + (i % 70)}`);
  writeFileSync(file, lines.join('\n') + '\n');
  const rows = await shuffledCsv(file, { shuffle: { seed: 1, blockBytes: 2048, openBlocks: 4 } }).toArray();
  assert.deepEqual(
    rows.map((r) => r.movieId as number).sort((a, b) => a - b),
    Array.from({ length: 3000 }, (_, i) => i),
  );
  for (const r of rows) assert.equal(r.title, `Film ${r.movieId}`);
});

test('readLinesSync takes whole lines from a byte: at most so many lines or bytes, the rest of a file that ends first, no BOM', async () => {
  const { readLinesSync } = await import('../../src/csv/header.js');
  const file = join(dir, 'lines.csv');
  writeFileSync(file, '\uFEFFa,b\n1,2\n3,4\n5,6');
  assert.equal(readLinesSync(file, 0, 2, 1 << 20), 'a,b\n1,2\n', 'two lines, the BOM dropped');
  assert.equal(readLinesSync(file, 7, 10, 1 << 20), '1,2\n3,4\n5,6', 'from the first row (after BOM and header) to the end of the file');
  assert.equal(readLinesSync(file, 7, 10, 6), '1,2\n', 'what 6 bytes hold, in whole lines');
  assert.throws(() => readLinesSync(join(dir, 'missing.csv'), 0, 1, 10), /missing\.csv/);
});

test('without columns, many files decode to the dtypes guessed from the first file with rows, in every chunk', async () => {
  const folder = mkdtempSync(join(dir, 'parts-'));
  // The first file with rows settles int32 ids and float64 ratings (one with no rows comes
  // before it); the next one's first rows are whole numbers.
  writeFileSync(join(folder, '0-empty.csv'), 'userId,movieId,rating\n');
  writeFileSync(join(folder, 'a.csv'), ['userId,movieId,rating', ...Array.from({ length: 4000 }, (_, i) => `${i % 31},${i},${0.5 + (i % 5)}`)].join('\n') + '\n');
  writeFileSync(join(folder, 'b.csv'), ['userId,movieId,rating', ...Array.from({ length: 4000 }, (_, i) => `${i % 31},${4000 + i},${i < 2000 ? 1 + (i % 5) : 1.5}`)].join('\n') + '\n');
  const want = 'userId:Int32Array movieId:Int32Array rating:Float64Array';
  assert.deepEqual(Object.keys(await layouts(csv(folder).chunks())), [want], 'as csv() of the files gives them');
  const ds = shuffledCsv(folder, { shuffle: { seed: 4, blockBytes: 4096, openBlocks: 5 } });
  assert.deepEqual(Object.keys(await layouts(ds.chunks())), [want]);
  const ids = (await ds.toArray()).map((r) => r.movieId as number).sort((a, b) => a - b);
  assert.deepEqual(ids, Array.from({ length: 8000 }, (_, i) => i));
});
