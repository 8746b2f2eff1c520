// Issue 13's fuzz test: random bytes, random quoting, random line ends and random cuts
// through every reader (the csv engines, CsvRanges, csvParallel, shuffledCsv, inspect,
// lines). Each must end (a time bound per run), keep memory bounded, and give either
// the rows csv()'s general engine reads or a typed error (a SluiceError) — never a silent
// difference. SLUICE_FC_SCALE=10 SLUICE_FC_SEED=n for a longer hunt.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { ColumnChunk, csvParallel, lines, shuffledCsv, SluiceError } from '../../src/index.js';
import { csv, type CsvOptions } from '../../src/csv/reader.js';
import { CsvRanges } from '../../src/csv/ranges.js';
import { inspect } from '../../src/csv/inspect.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const SCALE = Number(process.env.SLUICE_FC_SCALE ?? 1);
const SEED = Number(process.env.SLUICE_FC_SEED ?? 0);
/** A run that takes longer than this is a hang (inputs are at most a few KiB). */
const RUN_MS = 10_000;

const write = (bytes: Buffer): string => {
  const path = join(dir, `f${fileNo++}.csv`);
  writeFileSync(path, bytes);
  return path;
};

/** Pieces a hostile CSV is made of: numbers, delimiters, quotes, every line end, control and non-UTF-8 bytes. */
const piece = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -999, max: 9999 }).map(String) },
  { weight: 4, arbitrary: fc.constant(',') },
  { weight: 3, arbitrary: fc.constantFrom('\n', '\r\n', '\r') },
  { weight: 2, arbitrary: fc.constantFrom('"', '""', '"x"', ' "', '" ') },
  { weight: 1, arbitrary: fc.constantFrom(' ', '\t', 'a', 'é', '\0', '\u00ff', '1.5', '\uFEFF', ';') },
);
const rowsText = fc.array(fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99 })), { maxLength: 40 });

/** A file: mostly well-formed rows (with a random line end) with random hostile pieces spliced in, or raw random bytes. */
const hostile = fc.oneof(
  fc
    .record({
      rows: rowsText,
      eol: fc.constantFrom('\n', '\r\n', '\r'),
      splices: fc.array(fc.tuple(fc.nat(), fc.array(piece, { maxLength: 4 })), { maxLength: 4 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      header: fc.boolean(),
    })
    .map(({ rows, eol, splices, cut, header }) => {
      let text = (header ? `a,b${eol}` : '') + rows.map(([a, b]) => `${a},${b}`).join(eol) + (rows.length > 0 ? eol : '');
      for (const [at, ps] of splices) {
        const i = text.length === 0 ? 0 : at % (text.length + 1);
        text = text.slice(0, i) + ps.join('') + text.slice(i);
      }
      const bytes = Buffer.from(text, 'utf8');
      return cut === undefined || bytes.length === 0 ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
    }),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
);

type Outcome = { rows: unknown[]; skipped?: number } | { error: string };

/** Runs `f` with a time bound; a SluiceError becomes an outcome, anything else fails the test. */
async function settle(what: string, f: () => Promise<Outcome>): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no end within ${RUN_MS} ms (a hang)`)), RUN_MS)));
  try {
    return await Promise.race([f(), hang]);
  } catch (e) {
    if (e instanceof SluiceError) return { error: e.name };
    throw e; // an untyped error, or a hang
  } finally {
    clearTimeout(timer);
  }
}

const read = (path: string, options: CsvOptions) =>
  settle(`csv ${options.engine ?? 'auto'}`, async () => {
    const ds = csv(path, options);
    const rows = await ds.toArray();
    assert.equal(ds.stats.complete, true);
    return { rows, skipped: ds.stats.skipped };
  });

const NUM = { a: 'int32', b: 'int32' } as const;

describe('fuzz: every reader ends, with the general engine\'s rows or a typed error', () => {
  it('csv engines: auto and fast agree with general (skip and error policies, any read size)', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, fc.integer({ min: 1, max: 64 }), fc.constantFrom<'skip' | 'error'>('skip', 'error'), fc.boolean(), async (bytes, chunkBytes, onBadRow, named) => {
        const path = write(bytes);
        const options: CsvOptions = { chunkBytes, onBadRow, columns: NUM, ...(named ? { header: ['a', 'b'] } : {}), maxRowBytes: 1 << 12 };
        const general = await read(path, { ...options, engine: 'general' });
        assert.deepStrictEqual(await read(path, { ...options, engine: 'auto' }), general, 'auto');
        if (!bytes.includes(0x22)) assert.deepStrictEqual(await read(path, { ...options, engine: 'fast' }), general, 'fast');
        // Inferred columns too (strings allowed): general only, it must end with rows or a typed error.
        await read(path, { chunkBytes, onBadRow, maxRowBytes: 1 << 12 });
      }),
      { numRuns: 300 * SCALE, seed: 13 + SEED },
    );
  });

  it('CsvRanges: any cut of a file into ranges gives the rows of the whole file, or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, fc.array(fc.nat(), { maxLength: 4 }), async (bytes, cuts) => {
        const path = write(bytes);
        const options: CsvOptions = { header: ['a', 'b'], columns: NUM, onBadRow: 'skip' };
        const whole = await read(path, { ...options, engine: 'general' });
        const points = [...new Set([0, ...cuts.map((c) => c % (bytes.length + 1)), bytes.length])].sort((x, y) => x - y);
        const ranges = new CsvRanges(path, options);
        const got = await settle('CsvRanges', async () => {
          const rows: unknown[] = [];
          for (let i = 0; i + 1 < points.length; i++) {
            for (const chunk of await ranges.read(points[i]!, points[i + 1]!)) rows.push(...(chunk instanceof ColumnChunk ? rowsOf(chunk) : chunk));
          }
          return { rows };
        });
        await ranges.close();
        if ('rows' in got && 'rows' in whole && !bytes.includes(0x22) && !bytes.includes(0x0d)) assert.deepStrictEqual(got.rows, whole.rows);
      }),
      { numRuns: 150 * SCALE, seed: 17 + SEED },
    );
  });

  it('lines() and inspect() end on any input, with lines or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, async (bytes) => {
        const path = write(bytes);
        const got = await settle('lines', async () => ({ rows: await lines(path, { maxLineBytes: 1 << 12 }).toArray() }));
        if ('rows' in got) {
          // Every character but line ends is in a line: nothing is dropped.
          const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
          const kept = (got.rows as string[]).join('');
          assert.equal(kept.replace(/[\r\n]/g, ''), text.replace(/[\r\n]/g, ''));
        }
        await settle('inspect', async () => ({ rows: [await inspect(path)] }));
      }),
      { numRuns: 200 * SCALE, seed: 19 + SEED },
    );
  });

  it('csvParallel and shuffledCsv: the general engine\'s rows (as a multiset) or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, fc.integer({ min: 1, max: 64 }), async (bytes, rangeBytes) => {
        const path = write(bytes);
        const options = { header: ['a', 'b'], columns: NUM } as const;
        const whole = await read(path, { ...options, engine: 'general' });
        const sorted = (o: Outcome): Outcome => ('rows' in o ? { rows: [...o.rows].map((r) => JSON.stringify(r)).sort() } : o);
        const parallel = await settle('csvParallel', async () => ({ rows: await csvParallel(path, { ...options, workers: 2, rangeBytes }).toArray() }));
        const shuffled = await settle('shuffledCsv', async () => ({ rows: await shuffledCsv(path, { ...options, workers: 0, shuffle: { seed: 1, blockBytes: Math.max(rangeBytes, 16) } }).toArray() }));
        for (const [name, got] of [['csvParallel', parallel], ['shuffledCsv', shuffled]] as const) {
          if ('rows' in got && 'rows' in whole) assert.deepStrictEqual(sorted(got), sorted({ rows: whole.rows }), name);
          if ('rows' in got && !('rows' in whole)) assert.fail(`${name} read rows where csv() raised ${whole.error}`);
        }
      }),
      { numRuns: 40 * SCALE, seed: 23 + SEED },
    );
  });

  it('memory stays bounded across the runs', () => {
    assert.ok(process.memoryUsage().rss < 1.5 * 2 ** 30, `RSS ${process.memoryUsage().rss}`);
  });
});

function rowsOf(chunk: ColumnChunk<unknown>): Record<string, number>[] {
  const out: Record<string, number>[] = [];
  for (let i = 0; i < chunk.size; i++) out.push(Object.fromEntries(Object.entries(chunk.columns).map(([k, c]) => [k, c[i]!])));
  return out;
}
