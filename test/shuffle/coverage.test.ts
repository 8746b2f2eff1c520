import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ColumnChunk, type NumericArray } from '../../src/chunk.js';
import { OptionError } from '../../src/errors.js';
import { Coverage } from '../../src/shuffle/coverage.js';
import { shuffledCsvFiles } from '../../src/sources/csv-files.js';
import { idRows } from '../helpers/s3-server.js';

// The digest as first written (one loop over every value, a type test per value): the
// specification the column-kind loops must match bit for bit, so receipts stay comparable.
function referenceDigest(n: number, columns: (NumericArray | string[])[]): { rows: number; digest: string } {
  const f64 = new Float64Array(1);
  const words = new Uint32Array(f64.buffer);
  const mix = (h: number, k: number): number => {
    h = Math.imul(h ^ k, 0xcc9e2d51);
    return ((h << 15) | (h >>> 17)) >>> 0;
  };
  const fmix = (h: number): number => {
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  };
  const stringHash = (s: string, seed: number): number => {
    let h = seed;
    for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
    return fmix(h);
  };
  let [a, b] = [0, 0];
  for (let i = 0; i < n; i++) {
    let [h1, h2] = [0x9e3779b9, 0x7f4a7c15];
    for (const column of columns) {
      const v = column[i]!;
      let lo: number;
      let hi: number;
      if (typeof v === 'string') [lo, hi] = [stringHash(v, 1), stringHash(v, 2)];
      else if (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) [lo, hi] = [v | 0, 0x51ed27];
      else {
        f64[0] = v;
        [lo, hi] = [words[0]!, words[1]!];
      }
      h1 = mix(h1 ^ lo, hi);
      h2 = mix(h2 ^ hi, lo ^ 0x2545f491);
    }
    a = (a + fmix(h1)) >>> 0;
    b = (b + fmix(h2)) >>> 0;
  }
  const hex = (x: number): string => x.toString(16).padStart(8, '0');
  return { rows: n, digest: hex(a) + hex(b) };
}

const value = {
  int32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  float32: fc.oneof(fc.float(), fc.integer({ min: -1000, max: 1000 }).map((x) => Math.fround(x / 2)), fc.constantFrom(0, -0, NaN, Infinity, 2 ** 31, -(2 ** 31) - 256)),
  float64: fc.oneof(fc.double(), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(-0, NaN, 2 ** 31, -(2 ** 31) - 1, 2 ** 53)),
  string: fc.string(),
};
type Kind = keyof typeof value;
const make = (kind: Kind, xs: unknown[]): NumericArray | string[] =>
  kind === 'int32' ? Int32Array.from(xs as number[]) : kind === 'float32' ? Float32Array.from(xs as number[]) : kind === 'float64' ? Float64Array.from(xs as number[]) : (xs as string[]);

describe('Coverage', () => {
  it('digests column chunks exactly as the reference (per value) hash does, in pieces and in any column order', () => {
    const table = fc
      .tuple(fc.array(fc.constantFrom<Kind>('int32', 'float32', 'float64', 'string'), { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 40 }))
      .chain(([kinds, n]) => fc.tuple(fc.constant(kinds), fc.constant(n), fc.tuple(...kinds.map((k) => fc.array(value[k] as fc.Arbitrary<unknown>, { minLength: n, maxLength: n }))), fc.integer({ min: 0, max: n })));
    fc.assert(
      fc.property(table, ([kinds, n, values, cut]) => {
        const columns = kinds.map((k, i) => make(k, values[i]!));
        const names = kinds.map((_, i) => `c${i}`);
        const byName = (from: number, to: number, order: string[]) => Object.fromEntries(order.map((name) => [name, columns[names.indexOf(name)]!.slice(from, to)])) as never;
        // Coverage hashes columns by sorted name: the reference gets them in that order.
        const expected = referenceDigest(n, [...names].sort().map((name) => columns[names.indexOf(name)]!));
        const whole = new Coverage();
        whole.add(new ColumnChunk(n, byName(0, n, names)) as never);
        assert.deepEqual(whole.receipt(), expected);
        const pieces = new Coverage();
        pieces.add(new ColumnChunk(n - cut, byName(cut, n, [...names].reverse())) as never);
        pieces.add(new ColumnChunk(cut, byName(0, cut, names)) as never);
        assert.deepEqual(pieces.receipt(), expected);
      }),
      { numRuns: 300 },
    );
  });

  it('a lost, repeated or changed row changes the receipt', () => {
    const chunk = (v: number[]) => new ColumnChunk(v.length, { id: Int32Array.from(v), x: Float32Array.from(v, (i) => i / 4) }) as never;
    const digest = (v: number[]) => {
      const c = new Coverage();
      c.add(chunk(v));
      return c.receipt();
    };
    const base = digest([1, 2, 3, 4]);
    assert.deepEqual(digest([4, 3, 2, 1]), base);
    for (const other of [[1, 2, 3], [1, 2, 3, 4, 4], [1, 2, 3, 5]]) assert.notDeepEqual(digest(other), base);
  });
});

describe('shuffledCsvFiles receipts option', () => {
  it('receipts: false hands out the same rows, and receipt() refuses instead of a digest of nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-receipts-'));
    const path = join(dir, 'ids.csv');
    writeFileSync(path, idRows(3000));
    const options = { columns: { id: 'int32', a: 'int32', b: 'float64' }, shuffle: { seed: 3, blockBytes: 4096, openBlocks: 4 } } as const;
    const rows = async (ds: AsyncIterable<{ id: number }>): Promise<number[]> => {
      const out: number[] = [];
      for await (const r of ds) out.push(r.id);
      return out;
    };
    const kept = shuffledCsvFiles(path, options);
    const off = shuffledCsvFiles(path, { ...options, receipts: false });
    assert.deepEqual(await rows(off), await rows(kept));
    assert.equal(kept.receipt().rows, 3000);
    assert.throws(() => off.receipt(), OptionError);
    assert.equal(off.position().cursor.window >= 0, true); // positions do not need receipts
    rmSync(dir, { recursive: true });
  });
});
