// Differential and property tests of csv(): the fast and general engines give identical
// records, bad-row reports and counts over generated files; any split of a file into byte
// ranges yields every row exactly once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import type { BadRowInfo, DType } from '../../src/index.js';
import { csv, type CsvOptions } from '../../src/csv/reader.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
// SLUICE_FC_SCALE=10 SLUICE_FC_SEED=n for a longer hunt with other seeds.
const SCALE = Number(process.env.SLUICE_FC_SCALE ?? 1);
const SEED = Number(process.env.SLUICE_FC_SEED ?? 0);

interface Spec {
  text: string;
  options: CsvOptions;
}

const plainNumber = fc.oneof(
  fc.integer({ min: -2147483648, max: 2147483647 }).map(String),
  fc.integer({ min: 0, max: 999 }).map((n) => String(n).padStart(5, '0')), // leading zeros
  fc.tuple(fc.integer({ min: -99999, max: 99999 }), fc.integer({ min: 0, max: 99999 }), fc.integer({ min: 1, max: 5 })).map(([a, b, k]) => `${a}.${String(b).padStart(5, '0').slice(0, k)}`),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String), // long mantissas, exponents
  fc.constantFrom('0', '-0', '0.0', '4.0', '3.5', '.5', '5.', '-.25', '1234567890123456789', '0.1', '0.30000000000000004'),
);
const oddValue = fc.constantFrom('', 'abc', '1e3', '+7', ' 5', '5 ', 'NaN', 'Infinity', '-', '.', '1.2.3', '0x1F', '2147483648', '-2147483649', '9.5e-3', '1_000', 'é', ':', '1:2', '::', '|', ';');

/** A random delimited file of numbers (occasionally odd values), with its csv options. */
const fileSpec = (withOdd: boolean): fc.Arbitrary<Spec> =>
  fc
    .record({
      width: fc.integer({ min: 1, max: 6 }),
      delimiter: fc.constantFrom(',', '\t', '::', ';', '|'),
      crlf: fc.boolean(),
      bom: fc.boolean(),
      header: fc.constantFrom<'line' | 'none' | 'names'>('line', 'none', 'names'),
      finalNewline: fc.boolean(),
      trailingBlank: fc.nat({ max: 3 }),
      rows: fc.array(fc.tuple(fc.array(withOdd ? fc.oneof({ weight: 9, arbitrary: plainNumber }, { weight: 1, arbitrary: oddValue }) : plainNumber, { minLength: 6, maxLength: 6 }), fc.integer({ min: -1, max: 20 })), { maxLength: 60 }),
      dtypes: fc.array(fc.constantFrom<DType>('int32', 'float32', 'float64'), { minLength: 6, maxLength: 6 }),
      select: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
      chunkBytes: fc.integer({ min: 1, max: 64 }),
      chunkRows: fc.integer({ min: 1, max: 9 }),
    })
    .map((r) => {
      const names = Array.from({ length: r.width }, (_, i) => `c${i}`);
      const eol = r.crlf ? '\r\n' : '\n';
      const lines: string[] = [];
      if (r.header === 'line') lines.push(names.join(r.delimiter));
      // Without a header the first row sets the field count: make it a full one.
      if (r.header === 'none') lines.push(Array.from({ length: r.width }, (_, i) => String(i)).join(r.delimiter));
      for (const [values, shape] of r.rows) {
        // shape: -1 blank line, 0 a row one field short (when width > 1), 20 one field long, else a full row
        if (shape === -1) lines.push('');
        else if (shape === 0 && r.width > 1) lines.push(values.slice(0, r.width - 1).join(r.delimiter));
        else if (shape === 20) lines.push(values.slice(0, Math.min(6, r.width + 1)).join(r.delimiter) + (r.width >= 6 ? r.delimiter + '1' : ''));
        else lines.push(values.slice(0, r.width).join(r.delimiter));
      }
      let text = (r.bom ? '\uFEFF' : '') + lines.join(eol);
      if (lines.length > 0 && r.finalNewline) text += eol;
      text += eol.repeat(r.trailingBlank);
      const columns: Record<string, DType> = {};
      names.forEach((n, i) => {
        if (r.select[i] || i === 0) columns[n] = r.dtypes[i]!;
      });
      const options: CsvOptions = {
        delimiter: r.delimiter,
        header: r.header === 'line' ? true : r.header === 'names' ? names : false,
        columns: r.header === 'none' ? Object.fromEntries(Object.entries(columns).map(([n, d]) => [n.slice(1), d])) : columns,
        chunkBytes: r.chunkBytes,
        chunkRows: r.chunkRows,
      };
      return { text, options };
    });

function write(text: string): string {
  const path = join(dir, `f${fileNo++}.csv`);
  writeFileSync(path, text);
  return path;
}

async function read(path: string, options: CsvOptions): Promise<{ rows: unknown[]; bad: BadRowInfo[]; skipped: number; error?: string }> {
  const bad: BadRowInfo[] = [];
  const ds = csv(path, { ...options, onBadRow: (info) => bad.push(info) });
  const rows = await ds.toArray();
  return { rows, bad, skipped: ds.stats.skipped };
}

describe('csv engines agree', () => {
  it('fast and general give identical records over generated numeric files', async () => {
    await fc.assert(
      fc.asyncProperty(fileSpec(false), async ({ text, options }) => {
        const path = write(text);
        const fast = await read(path, { ...options, engine: 'fast' });
        const general = await read(path, { ...options, engine: 'general' });
        assert.deepStrictEqual(fast, general);
      }),
      { numRuns: 150 * SCALE, seed: 42 + SEED },
    );
  });

  it('fast and general agree on bad rows: same records, same reports, same counts', async () => {
    await fc.assert(
      fc.asyncProperty(fileSpec(true), async ({ text, options }) => {
        const path = write(text);
        const fast = await read(path, { ...options, engine: 'fast' });
        const general = await read(path, { ...options, engine: 'general' });
        assert.deepStrictEqual(fast, general);
        assert.equal(fast.skipped, fast.bad.length);
      }),
      { numRuns: 150 * SCALE, seed: 7 + SEED },
    );
  });

  it('with errors on, both engines throw the same DataError', async () => {
    await fc.assert(
      fc.asyncProperty(fileSpec(true), async ({ text, options }) => {
        const path = write(text);
        const outcome = async (engine: 'fast' | 'general'): Promise<unknown> => {
          try {
            return { rows: await csv(path, { ...options, engine }).toArray() };
          } catch (e) {
            const { file, line, column, raw, reason, message } = e as BadRowInfo & Error;
            return { name: (e as Error).name, file, line, column, raw, reason, message };
          }
        };
        assert.deepStrictEqual(await outcome('fast'), await outcome('general'));
      }),
      { numRuns: 80 * SCALE, seed: 11 + SEED },
    );
  });

  it("auto matches general on files with quoted fields (it hands over at the first quote)", async () => {
    const quoted = fc.tuple(fileSpec(false), fc.array(fc.nat(), { maxLength: 4 })).map(([spec, spots]) => {
      const lines = spec.text.split('\n');
      for (const s of spots) {
        if (lines.length < 2) break;
        const k = 1 + (s % (lines.length - 1));
        const line = lines[k]!;
        const d = spec.options.delimiter!;
        const cut = line.indexOf(d);
        // Quote the first field of some rows (a quoted number is still that number).
        const first = cut === -1 ? line.replace(/\r$/, '') : line.slice(0, cut);
        if (first !== '' && !first.includes('"')) lines[k] = `"${first}"` + line.slice(first.length);
      }
      return { text: lines.join('\n'), options: spec.options };
    });
    await fc.assert(
      fc.asyncProperty(quoted, async ({ text, options }) => {
        const path = write(text);
        const auto = await read(path, { ...options, engine: 'auto' });
        const general = await read(path, { ...options, engine: 'general' });
        assert.deepStrictEqual(auto, general);
      }),
      { numRuns: 80 * SCALE, seed: 3 + SEED },
    );
  });
});

describe('csv byteRange', () => {
  it('any split of a file into byte ranges yields every row exactly once, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fileSpec(true), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }), fc.constantFrom('fast', 'general') , async ({ text, options }, cuts, engine) => {
        const path = write(text);
        const size = statSync(path).size;
        const whole = await read(path, { ...options, engine: engine as 'fast' });
        const points = [...new Set([0, ...cuts.map((c) => Math.floor(c * size)), size])].sort((a, b) => a - b);
        const rows: unknown[] = [];
        let skipped = 0;
        for (let i = 0; i + 1 < points.length; i++) {
          const part = await read(path, { ...options, engine: engine as 'fast', byteRange: [points[i]!, points[i + 1]!] });
          rows.push(...part.rows);
          skipped += part.skipped;
        }
        assert.deepStrictEqual(rows, whole.rows);
        assert.equal(skipped, whole.skipped);
      }),
      { numRuns: 100 * SCALE, seed: 5 + SEED },
    );
  });
});
