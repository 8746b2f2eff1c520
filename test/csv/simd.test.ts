// The fast engine's WebAssembly kernel against its reference, the byte loop: the same bytes
// decoded with the kernel on and off give the same values (bit for bit), the same bad-row
// reports and the same line numbers, whatever rows the kernel declines (quotes, long rows,
// odd numbers, blank lines, wrong field counts) and wherever blocks and chunks end.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import type { ColumnChunk, DType } from '../../src/index.js';
import { csv, type CsvOptions } from '../../src/csv/reader.js';
import { shuffledCsv } from '../../src/csv/shuffled.js';
import { simdKernelLoaded, useSimdKernel } from '../../src/kernel.js';
import { kernelDelimiter, simdRows } from '../../src/csv/simd.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-simd-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const SCALE = Number(process.env.SLUICE_FC_SCALE ?? 1);

interface Decoded {
  chunks: { size: number; columns: Record<string, number[]> }[];
  bad: string[];
  rows: number;
}

/** Every chunk (values as numbers, -0 kept), every bad-row report, with the kernel on or off. */
async function decode(path: string, options: CsvOptions, kernel: boolean): Promise<Decoded> {
  useSimdKernel(kernel);
  try {
    const bad: string[] = [];
    const ds = csv(path, { ...options, engine: 'fast', onBadRow: (info) => void bad.push(JSON.stringify(info)) });
    const chunks: Decoded['chunks'] = [];
    let rows = 0;
    for await (const c of ds.chunks()) {
      const chunk = c as ColumnChunk<Record<string, number>>;
      const columns: Record<string, number[]> = {};
      for (const [name, values] of Object.entries(chunk.columns)) columns[name] = Array.from(values);
      chunks.push({ size: chunk.size, columns });
      rows += chunk.size;
    }
    return { chunks, bad, rows };
  } finally {
    useSimdKernel(true);
  }
}

async function sameBothWays(text: string, options: CsvOptions): Promise<Decoded> {
  const path = join(dir, `f${fileNo++}.csv`);
  writeFileSync(path, text);
  const withKernel = await decode(path, options, true);
  const byteLoop = await decode(path, options, false);
  assert.deepStrictEqual(withKernel, byteLoop); // deepStrictEqual tells -0 from 0
  return withKernel;
}

// Values at the kernel's edges: digit counts around 8 and 15, int32 bounds, signs and dots
// where they may and may not be, and what only the byte loop reads (exponents, spaces, quotes).
const value = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -2147483648, max: 2147483647 }).map(String) },
  { weight: 3, arbitrary: fc.tuple(fc.integer({ min: -99999999, max: 99999999 }), fc.integer({ min: 0, max: 9999999 })).map(([a, b]) => `${a}.${b}`) },
  { weight: 2, arbitrary: fc.stringMatching(/^-?[0-9]{0,17}(\.[0-9]{0,17})?$/) },
  { weight: 2, arbitrary: fc.constantFrom('0', '-0', '-0.0', '5.', '.5', '-.5', '.', '-', '', '2147483647', '2147483648', '-2147483648', '-2147483649', '123456789012345', '1234567890123456', '99999999.9999999', '0.000000000000001') },
  { weight: 1, arbitrary: fc.constantFrom('1e3', '+7', ' 5', '5 ', 'NaN', '1.2.3', '"4"', '"a,b"', 'x"y', '5\r', 'é', '1-2', '--1', 'a'.repeat(70)) },
  // Colons: with the '::' delimiter, runs of one (a lone colon between digits), three or four.
  { weight: 1, arbitrary: fc.constantFrom(':', '1:23', '12:34', ':5', '5:', '::', '7::8') },
);

const fileSpec = fc
  .record({
    width: fc.oneof(fc.integer({ min: 1, max: 7 }), fc.constant(4)), // 4: the kernel's unrolled path
    delimiter: fc.constantFrom(',', '\t', ';', '|', '::'),
    crlf: fc.boolean(),
    rows: fc.array(fc.tuple(fc.array(value, { minLength: 8, maxLength: 8 }), fc.integer({ min: -1, max: 30 })), { maxLength: 80 }),
    dtypes: fc.array(fc.constantFrom<DType>('int32', 'float32', 'float64'), { minLength: 7, maxLength: 7 }),
    select: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
    chunkBytes: fc.oneof(fc.integer({ min: 1, max: 80 }), fc.constant(1 << 20)),
    chunkRows: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constant(4096)),
    finalNewline: fc.boolean(),
  })
  .map((r) => {
    const names = Array.from({ length: r.width }, (_, i) => `c${i}`);
    const eol = r.crlf ? '\r\n' : '\n';
    const lines = [names.join(r.delimiter)];
    for (const [values, shape] of r.rows) {
      // shape -1: a blank line; 0: one field short; 30: one field long; else a full row
      if (shape === -1) lines.push('');
      else if (shape === 0) lines.push(values.slice(0, r.width - 1).join(r.delimiter));
      else if (shape === 30) lines.push(values.slice(0, r.width + 1).join(r.delimiter));
      else lines.push(values.slice(0, r.width).join(r.delimiter));
    }
    const columns: Record<string, DType> = {};
    names.forEach((n, i) => {
      if (r.select[i] || i === 0) columns[n] = r.dtypes[i]!;
    });
    const text = lines.join(eol) + (r.finalNewline ? eol : '');
    return { text, options: { header: true, delimiter: r.delimiter, columns, chunkBytes: r.chunkBytes, chunkRows: r.chunkRows } satisfies CsvOptions };
  });

describe('the WebAssembly kernel of the fast engine', () => {
  it('is built and loaded (npm run build:wasm, which npm test runs first)', () => {
    assert.equal(simdKernelLoaded(), true);
  });

  it("takes a one-byte delimiter, or one byte twice (MovieLens's '::'), and no other", () => {
    assert.equal(kernelDelimiter(','), 0x2c);
    assert.equal(kernelDelimiter('\t'), 0x09);
    assert.equal(kernelDelimiter('::'), 0x3a | (2 << 8));
    assert.equal(kernelDelimiter('||'), 0x7c | (2 << 8));
    for (const refused of ['', ':;', ':::', 'ab', '-', '--', '..', '1', '\r', '\n\n', '"', 'é', '§§']) assert.equal(kernelDelimiter(refused), undefined, JSON.stringify(refused));
  });

  it("decodes '::' rows in the kernel (ml-1m, ml-10m) and hands a lone or tripled colon to the byte loop", () => {
    const layout = { file: 'ratings.dat', delimiter: '::', fieldNames: ['u', 'm', 'r', 't'], outputs: [{ name: 'u', field: 0, dtype: 'int32' }, { name: 'm', field: 1, dtype: 'int32' }, { name: 'r', field: 2, dtype: 'float32' }, { name: 't', field: 3, dtype: 'int32' }] } as const;
    const rows = simdRows(layout)!;
    assert.ok(rows, 'the kernel takes the layout');
    const cols = [new Int32Array(8), new Int32Array(8), new Float32Array(8), new Int32Array(8)];
    // '2:34::1::5': a lone colon where a delimiter was, so three runs of colons for four
    // fields; read as if doubled it would give 2, 4, 1, 5 (the byte loop: a bad row).
    const text = Buffer.from('1::1193::5::978300760\n1::661::3.5::978302109\n2:34::1::5\n');
    const stopped = rows.decode(text, 0, text.length, cols, 0, 8);
    assert.equal(rows.rows, 2, 'two plain rows');
    assert.equal(rows.declined, true, 'the row with a lone colon is the byte loop\'s');
    assert.equal(text.subarray(stopped).toString(), '2:34::1::5\n');
    assert.deepStrictEqual([...cols[0]!.subarray(0, 2), ...cols[1]!.subarray(0, 2), ...cols[2]!.subarray(0, 2), ...cols[3]!.subarray(0, 2)], [1, 1, 1193, 661, 5, 3.5, 978300760, 978302109]);
    const tripled = Buffer.from('3::4:::1::5\n');
    rows.decode(tripled, 0, tripled.length, cols, 0, 8);
    assert.deepStrictEqual([rows.rows, rows.declined], [0, true], 'a run of three colons');
  });

  it('decodes what the byte loop decodes, bit for bit, with the same bad rows and lines', async () => {
    await fc.assert(
      fc.asyncProperty(fileSpec, ({ text, options }) => sameBothWays(text, options).then(() => true)),
      { numRuns: 150 * SCALE },
    );
  });

  it('sends a row with a quote in any field to the byte loop when every field is decoded (the kernel then builds no quote mask)', async () => {
    const quoted = ['"7",8,9.5,1', '7,"8",9.5,1', '7,8,"9.5",1', '7,8,9.5,"1"', '7,"8,9",9.5,1', '7,8,9.5,1"', '"",8,9.5,1'];
    const lines = ['a,b,c,d'];
    for (let i = 0; i < 3000; i++) lines.push(i % 100 === 50 ? quoted[(i / 100) % quoted.length | 0]! : `${i},${i % 977},${i % 5}.5,${1500000000 + i}`);
    const text = lines.join('\n') + '\n';
    const all = { a: 'int32', b: 'int32', c: 'float32', d: 'int32' } as const;
    const got = await sameBothWays(text, { header: true, columns: all, onBadRow: 'skip' });
    assert.equal(got.rows, 3000 - 30, 'every quoted row is refused, as the byte loop refuses it');
  });

  it('agrees over a file of many windows with odd rows among plain ones', async () => {
    // 40,000 rows (about 1 MB: sixteen 64 KB windows) with a row the kernel declines every
    // 997 rows, so every kind of hand-over to the byte loop and back happens mid-window.
    const odd = ['"7",8,9.5,1', '', '1,2,3', '1,2,3,4,5', 'x,2,3.5,4', '1,2,1e3,4', `1,2,3.5,${'9'.repeat(80)}`, '1,-0,-0.0,4', '2147483648,1,1,1'];
    const lines = ['a,b,c,d'];
    let seed = 7;
    for (let i = 0; i < 40_000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      lines.push(i % 997 === 500 ? odd[(i / 997) % odd.length | 0]! : `${seed % 300000},${(seed >>> 8) % 90000},${seed % 5}.${seed % 2 === 0 ? 0 : 5},${1500000000 + i}`);
    }
    const text = lines.join('\n') + '\n';
    const got = await sameBothWays(text, { header: true, columns: { a: 'int32', b: 'int32', c: 'float32' } });
    // Chunks of 7 rows: every call of the kernel copies a small window (about the bytes its rows take).
    assert.deepStrictEqual((await sameBothWays(text, { header: true, columns: { a: 'int32', b: 'int32', c: 'float32' }, chunkRows: 7 })).rows, got.rows);
    // 40 odd rows, the k-th odd[k % 9]: 12 of them decode (1e3, the long row, -0), 5 are blank lines, 23 bad.
    assert.equal(got.rows, 40_000 - 40 + 12, 'rows');
    assert.equal(got.bad.length, 23, 'bad rows');
  });

  it('hands the rows after a quote to the general engine (engine auto) as the byte loop does', async () => {
    const text = 'a,b\n1,2\n3,4\n"5",6\n7,8\n';
    const path = join(dir, 'quoted.csv');
    writeFileSync(path, text);
    for (const kernel of [true, false]) {
      useSimdKernel(kernel);
      try {
        assert.deepStrictEqual(await csv(path, { header: true, columns: { a: 'int32', b: 'int32' }, engine: 'auto' }).toArray(), [
          { a: 1, b: 2 },
          { a: 3, b: 4 },
          { a: 5, b: 6 },
          { a: 7, b: 8 },
        ]);
      } finally {
        useSimdKernel(true);
      }
    }
  });

  it('decodes and deals a block in one pass in the order the dealer gives it (block shuffle)', async () => {
    // 60,000 rows in 8 KB blocks: with onBadRow 'skip', the blocks holding a bad row (or a
    // quote, a long row, a float64 column) are decoded and dealt the other way; every epoch
    // must come out in the same order with the kernel as without it.
    const rows: string[][] = [['u', 'm', 'r', 't']];
    let seed = 11;
    for (let i = 0; i < 60_000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      rows.push(i % 4999 === 7 ? [`${i}`, 'x', '1.5', `${i}`] : i % 7001 === 3 ? [`${i}`, `-${seed % 50}`, '1'.repeat(70), '7'] : [`${seed % 7000}`, `${(seed >>> 9) % 30000}`, `${seed % 5}.5`, `${1500000000 + i}`]);
    }
    // ',' and MovieLens's '::' (ml-1m, ml-10m), which the kernel takes too.
    for (const delimiter of [',', '::']) {
      const path = join(dir, `blocks-${delimiter === ',' ? 'comma' : 'colons'}.csv`);
      writeFileSync(path, rows.map((r) => r.join(delimiter)).join('\n') + '\n');
      await sameOrders(path, delimiter);
    }
  });

  /** shuffledCsv's epochs of `path` in the same order with the kernel as without it, for several column selections. */
  async function sameOrders(path: string, delimiter: string): Promise<void> {
    const orders = async (kernel: boolean, columns: Record<string, DType>): Promise<number[][]> => {
      useSimdKernel(kernel);
      try {
        const ds = shuffledCsv(path, { columns, delimiter, workers: 0, onBadRow: 'skip', shuffle: { seed: 5, blockBytes: 8 << 10, openBlocks: 6 } });
        const epochs: number[][] = [];
        for (let e = 0; e < 2; e++) {
          const rows: number[] = [];
          for await (const c of ds.chunks()) {
            const chunk = c as ColumnChunk<Record<string, number>>;
            const cols = Object.keys(columns).map((n) => chunk.columns[n]!);
            for (let i = 0; i < chunk.size; i++) for (const col of cols) rows.push(col[i]!);
          }
          epochs.push(rows);
        }
        return epochs;
      } finally {
        useSimdKernel(true);
      }
    };
    // All four fields, a float64 one (the kernel declines it), one field skipped (rows of
    // three values, moved as 8 + 4 bytes), and two.
    for (const columns of [{ u: 'int32', m: 'int32', r: 'float32', t: 'int32' }, { u: 'int32', m: 'int32', r: 'float64', t: 'int32' }, { u: 'int32', r: 'float32', t: 'int32' }, { u: 'int32', t: 'int32' }] as Record<string, DType>[]) {
      const withKernel = await orders(true, columns);
      assert.deepStrictEqual(withKernel, await orders(false, columns));
      assert.equal(withKernel[0]!.length, Object.keys(columns).length * (60_000 - (columns.m === undefined ? 0 : 13)), 'rows less the bad ones (all in m)');
      assert.notDeepStrictEqual(withKernel[0], withKernel[1], 'each epoch in its own order');
    }
  }

  it('declines a block denser than the ranges before it, which then comes out the same the other way', async () => {
    // Rows of ~60 bytes, then of ~12: the later blocks hold several times the rows the
    // kernel was told to expect (its memory is sized by the density seen so far).
    const lines = ['u,pad,r'];
    for (let i = 0; i < 20_000; i++) lines.push(`${i},${i < 8000 ? 'p'.repeat(48) : ''},${i % 5}.5`);
    const path = join(dir, 'denser.csv');
    writeFileSync(path, lines.join('\n') + '\n');
    const order = async (kernel: boolean): Promise<number[]> => {
      useSimdKernel(kernel);
      try {
        const out: number[] = [];
        const ds = shuffledCsv(path, { columns: { u: 'int32', r: 'float32' }, workers: 0, shuffle: { seed: 9, blockBytes: 16 << 10, openBlocks: 4 } });
        for await (const c of ds.chunks()) {
          const chunk = c as ColumnChunk<Record<string, number>>;
          for (let i = 0; i < chunk.size; i++) out.push(chunk.columns.u![i]!, chunk.columns.r![i]!);
        }
        return out;
      } finally {
        useSimdKernel(true);
      }
    };
    const withKernel = await order(true);
    assert.equal(withKernel.length, 40_000);
    assert.deepStrictEqual(withKernel, await order(false));
  });
});
