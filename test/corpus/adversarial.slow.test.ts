// Issue 13's must-reach corpus: adversarial inputs and faults of every class the issue
// names, generated (seeded) here, run through every reader (csv fast/general/auto,
// csvParallel, shuffledCsv, inspect, lines). Each case must end within a bound and give
// either the rows csv()'s general engine reads (a multiset for shuffledCsv) or a typed
// error (a SluiceError) whose message holds no raw control byte. The counts per class and
// the total are printed (and asserted non-zero). test/csv/fuzz.test.ts adds random inputs;
// test/csv/range-readers.test.ts and test/cache/*.test.ts pin the single cases.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { csvParallel, Dataset, FileError, lines, range, shuffledCsv, SluiceError } from '../../src/index.js';
import { csv, type CsvOptions } from '../../src/csv/reader.js';
import { inspect } from '../../src/csv/inspect.js';
import { randomInt } from '../../src/random.js';
import { tempFiles } from '../helpers/temp-files.js';

const { dir, file } = tempFiles('sluice-corpus-');
const BOUND_MS = 20_000;
const LIMIT = 1 << 16; // maxRowBytes / maxLineBytes for the corpus: a no-newline input must stop near it
const NUM = { a: 'int32', b: 'int32' } as const;
const RAW_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const counts: Record<string, number> = {};
after(() => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(`adversarial corpus: ${total} cases (reader × input or fault) ${JSON.stringify(counts)}`);
});

type Outcome = { rows: string[] } | { error: string };

/** Runs `f` within BOUND_MS: rows (as sorted JSON when `multiset`), or a typed error with a clean message; anything else fails. */
async function settle(what: string, f: () => Promise<unknown[]>, multiset = false): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no end within ${BOUND_MS} ms (a hang)`)), BOUND_MS)));
  try {
    const rows = (await Promise.race([f(), hang])).map((r) => JSON.stringify(r));
    return { rows: multiset ? rows.sort() : rows };
  } catch (e) {
    if (!(e instanceof SluiceError)) throw new Error(`${what}: an untyped error or a hang: ${String(e)}`, { cause: e });
    assert.doesNotMatch(e.message, RAW_CONTROL, `${what}: raw control bytes in ${JSON.stringify(e.message)}`);
    return { error: e.name };
  } finally {
    clearTimeout(timer);
  }
}

/** Every reader on one input: the general engine's rows are the reference. */
async function everyReader(kind: string, p: string, extra: CsvOptions = {}): Promise<void> {
  const options: CsvOptions = { columns: NUM, maxRowBytes: LIMIT, ...extra };
  const general = await settle(`${kind} general`, () => csv(p, { ...options, engine: 'general' }).toArray());
  const same = (name: string, got: Outcome, reference: Outcome): void => {
    counts[kind] = (counts[kind] ?? 0) + 1;
    if ('rows' in got) assert.ok('rows' in reference, `${kind}: ${name} read rows where the general engine raised ${'error' in reference ? reference.error : ''}`);
    if ('rows' in got && 'rows' in reference) assert.deepStrictEqual(got.rows, reference.rows, `${kind}: ${name} differs from the general engine`);
  };
  same('general', general, general);
  same('auto', await settle(`${kind} auto`, () => csv(p, { ...options, engine: 'auto' }).toArray()), general);
  const fast = await settle(`${kind} fast`, () => csv(p, { ...options, engine: 'fast' }).toArray());
  if ('rows' in fast) same('fast', fast, general); // fast may refuse quotes (typed), never differ
  else counts[kind] = (counts[kind] ?? 0) + 1;
  const sorted = 'rows' in general ? { rows: [...general.rows].sort() } : general;
  same('csvParallel', await settle(`${kind} csvParallel`, () => csvParallel(p, { ...options, workers: 2, rangeBytes: 64 } as never).toArray(), true), sorted);
  same('shuffledCsv', await settle(`${kind} shuffledCsv`, () => shuffledCsv(p, { ...options, workers: 0, shuffle: { seed: 1, blockBytes: 64 } }).toArray(), true), sorted);
  // inspect and lines: they end, with a result or a typed error.
  await settle(`${kind} inspect`, async () => [await inspect(p)]);
  await settle(`${kind} lines`, () => lines(p, { maxLineBytes: LIMIT }).toArray());
  counts[kind] = (counts[kind] ?? 0) + 2;
}

const rand = randomInt(13);
const rowsText = (n: number, eol = '\n'): string => `a,b${eol}` + Array.from({ length: n }, (_, i) => `${i},${rand(100)}`).join(eol) + eol;

test('hangs and unbounded memory: no newline, a stray quote, a long row; every reader ends', async () => {
  await everyReader('hang', file(Buffer.alloc(4 * LIMIT, 'a')));
  await everyReader('hang', file(Buffer.alloc(4 * LIMIT, 0)));
  const stray = rowsText(5000).split('\n');
  stray[2500] = '7,"3';
  await everyReader('hang', file(stray.join('\n')));
  await everyReader('hang', file(`a,b\n1,${'9'.repeat(2 * LIMIT)}\n2,3\n`));
  await everyReader('hang', file(`a,b\n${'"'.repeat(3 * LIMIT)}\n`));
});

test('silent loss or wrong data: line ends, quotes under skip, cuts, BOM, blanks', async () => {
  for (const eol of ['\n', '\r\n', '\r']) await everyReader('loss', file(rowsText(300, eol)));
  for (const onBadRow of ['error', 'skip'] as const) {
    const quoted = rowsText(300).split('\n');
    quoted[100] = '5,"1\n2"';
    quoted[200] = '6,"7';
    await everyReader('loss', file(quoted.join('\n')), { onBadRow });
  }
  const full = rowsText(500);
  for (let k = 0; k < 6; k++) await everyReader('loss', file(full.slice(0, rand(full.length))));
  await everyReader('loss', file(`\uFEFF${rowsText(50)}`));
  await everyReader('loss', file(`a,b\n\n1,2\n\n\n3,4\n`));
  await everyReader('loss', file(`a,b\n 1 , 2 \n3,4`));
});

test('unreadable errors: binary, UTF-16, control bytes; messages escape them', async () => {
  for (let k = 0; k < 6; k++) await everyReader('binary', file(Buffer.from(Array.from({ length: 2000 }, () => rand(256)))));
  const text = rowsText(40).replace('3', '\u0001\u0007\u001b');
  await everyReader('binary', file(text));
  await everyReader('binary', file(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(rowsText(40), 'utf16le')])));
  await everyReader('binary', file(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(rowsText(40), 'utf16le').swap16()])));
  await everyReader('binary', file(`a,b\n1,\u0000\n`));
});

test('special files: /dev/zero, a FIFO with no writer, a directory, a missing file, an empty file', async () => {
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const rss = process.memoryUsage().rss;
  const emptyDir = path.join(dir, 'empty-dir');
  fs.mkdirSync(emptyDir);
  for (const p of ['/dev/zero', fifo, emptyDir, path.join(dir, 'missing.csv'), file('')]) {
    for (const [name, f] of [
      ['csvParallel', () => csvParallel(p, { columns: NUM, workers: 2 }).toArray()],
      ['shuffledCsv', () => shuffledCsv(p, { columns: NUM, workers: 0 }).toArray()],
    ] as const) {
      const got = await settle(`${name} ${p}`, f);
      counts['special'] = (counts['special'] ?? 0) + 1;
      if (p !== fifo && p !== '/dev/zero' && p !== emptyDir && !p.endsWith('missing.csv')) assert.deepEqual(got, { rows: [] }, `${name}: an empty file`);
      else assert.deepEqual(got, { error: 'FileError' }, `${name} ${p}`);
    }
  }
  // csv(), lines and inspect read a device front to back: /dev/zero stops at the limit.
  for (const [name, f] of [
    ['csv', () => csv('/dev/zero', { maxRowBytes: LIMIT }).toArray()],
    ['lines', () => lines('/dev/zero', { maxLineBytes: LIMIT }).toArray()],
    ['inspect', async () => [await inspect('/dev/zero')]],
  ] as const) {
    assert.deepEqual(await settle(`${name} /dev/zero`, f), { error: 'DataError' }, name);
    counts['special'] = (counts['special'] ?? 0) + 1;
  }
  const grew = process.memoryUsage().rss - rss;
  assert.ok(grew < 2 * (16 << 20) + (200 << 20), `RSS grew ${grew} bytes on /dev/zero`);
});

test('faults: a file truncated, overwritten or renamed over mid-epoch; a cache that cannot be written; a killed writer\'s temp file', async () => {
  const readers: Record<string, (p: string) => { chunks(): AsyncIterable<unknown> }> = {
    csv: (p) => csv(p, { columns: NUM, chunkBytes: 1024, chunkRows: 64 }),
    csvParallel: (p) => csvParallel(p, { columns: NUM, workers: 2, rangeBytes: 2048 }),
    shuffledCsv: (p) => shuffledCsv(p, { columns: NUM, workers: 0, shuffle: { seed: 1, blockBytes: 2048 } }),
  };
  const changes: Record<string, (p: string) => void> = {
    truncated: (p) => fs.truncateSync(p, 500),
    overwritten: (p) => fs.writeFileSync(p, rowsText(20_000).replaceAll('1', '2')),
    'renamed over': (p) => (fs.writeFileSync(`${p}.new`, rowsText(20_000)), fs.renameSync(`${p}.new`, p)),
  };
  for (const [name, read] of Object.entries(readers)) {
    for (const [what, change] of Object.entries(changes)) {
      const p = file(rowsText(20_000));
      const it = read(p).chunks()[Symbol.asyncIterator]();
      const head = (await it.next()).value as { size?: number; length?: number };
      const first = head.size ?? (head as unknown[]).length;
      change(p);
      let rows = 0;
      const got = await settle(`${name} ${what}`, async () => {
        for (let r = await it.next(); !r.done; r = await it.next()) rows += (r.value as { size?: number; length?: number }).size ?? (r.value as unknown[]).length;
        return [];
      }).finally(() => it.return?.());
      // csv() holds its descriptor: a file renamed over it is read whole as it was opened (never mixed).
      if (name === 'csv' && what === 'renamed over' && 'rows' in got) assert.equal(rows + first, 20_000);
      else assert.deepEqual(got, { error: 'FileError' }, `${name}: a file ${what} mid-epoch`);
      counts['fault'] = (counts['fault'] ?? 0) + 1;
    }
  }
  const records = range(10).map((i) => ({ id: i }));
  // A cache where a directory is expected (a write that cannot happen, as a full disk): FileError naming the path.
  const blocker = file('not a directory');
  const cached = new Dataset(Object.assign(Object.create(null) as object, records.source, { fingerprint: async () => 'v' }) as typeof records.source).cache(path.join(blocker, 'c.arrow'));
  await assert.rejects(cached.toArray(), (e: unknown) => e instanceof FileError && e.message.includes(blocker));
  counts['fault'] = (counts['fault'] ?? 0) + 1;
  // A writer killed mid-write left its temp file: the next write removes it.
  const target = path.join(dir, 'k.arrow');
  fs.writeFileSync(`${target}.tmp-999999999-dead`, 'half');
  await new Dataset(Object.assign(Object.create(null) as object, records.source, { fingerprint: async () => 'v' }) as typeof records.source).cache(target).count();
  assert.equal(fs.existsSync(`${target}.tmp-999999999-dead`), false);
  counts['fault'] = (counts['fault'] ?? 0) + 1;
});

test('tiny ranges with 2 workers: csvParallel ends every time', async () => {
  const p = file(rowsText(60));
  for (let i = 0; i < 50; i++) {
    assert.equal(await csvParallel(p, { columns: NUM, workers: 2, rangeBytes: 1 + (i % 16) }).count(), 60);
    counts['hang'] = (counts['hang'] ?? 0) + 1;
  }
});

test('the corpus covers every class', () => {
  for (const k of ['hang', 'loss', 'binary', 'special', 'fault']) assert.ok((counts[k] ?? 0) > 0, k);
});
