// recordEndIn (strings, the general engine) and recordEndBytes (bytes, the fast engine and
// the header reader) are one scan written twice for speed: pinned to the same answers here,
// state carried across pieces included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { recordEndBytes, recordEndIn, RowSplitter, sampleRows, type ScanState, splitRows } from '../../src/csv/records.js';

const text = fc.array(fc.constantFrom('a', '1', ',', ';', '"', ' ', '\t', '\n', '\r'), { maxLength: 60 }).map((cs) => cs.join(''));

test('recordEndIn and recordEndBytes find the same record ends, from any start, in any pieces', () => {
  fc.assert(
    fc.property(text, fc.constantFrom(',', ';', '::'), fc.nat(), fc.nat(), (t, delimiter, fromSeed, cutSeed) => {
      const bytes = Buffer.from(t, 'latin1');
      const from = t.length === 0 ? 0 : fromSeed % t.length;
      assert.equal(recordEndBytes(bytes, from, delimiter), recordEndIn(t, from, delimiter));
      // The same text in two pieces, the scan state handed from the first to the second.
      const cut = from + (t.length - from === 0 ? 0 : cutSeed % (t.length - from + 1));
      const a: ScanState = { inQuote: false, fieldStart: true };
      const b: ScanState = { inQuote: false, fieldStart: true };
      const endA = recordEndIn(t.slice(0, cut), from, delimiter, a);
      const endB = recordEndBytes(bytes.subarray(0, cut), from, delimiter, b);
      assert.equal(endB, endA);
      assert.deepEqual(b, a);
      if (endA < 0) assert.equal(recordEndBytes(bytes, cut, delimiter, b), recordEndIn(t, cut, delimiter, a));
    }),
    { numRuns: 2000 },
  );
});

test('splitRows splits a plain line (no quote, CR or white space) as fast-csv does, without it, and any other line with it', () => {
  const line = fc.array(fc.constantFrom('a', '1', ',', ';', ':', ' ', '\t', 'é'), { maxLength: 30 }).map((cs) => cs.join(''));
  fc.assert(
    fc.property(line, fc.constantFrom('', '\n', '\r\n'), fc.constantFrom(',', ';', '::', '\t'), (l, ending, delimiter) => {
      const rows: string[][] = [];
      new RowSplitter(delimiter).parse(l + ending, false, rows);
      assert.deepEqual(splitRows(l + ending, delimiter), rows);
    }),
    { numRuns: 2000 },
  );
});

test('sampleRows (lenient) parses a prefix of the text and gives the first rows a parse of all of it gives', () => {
  // What a parse of the whole text gives (sampleRows's answer before it parsed a prefix).
  const wholeText = (t: string, limit: number): string[][] | undefined => {
    try {
      return splitRows(t, ',', true)
        .filter((r) => r.length > 0)
        .slice(0, limit);
    } catch {
      return undefined;
    }
  };
  fc.assert(
    fc.property(text, fc.integer({ min: 1, max: 8 }), (t, limit) => {
      const whole = wholeText(t, limit);
      assert.deepEqual(sampleRows(t, ',', limit, false), whole, 'not lenient: the whole text parses or there is no sample');
      if (whole !== undefined) assert.deepEqual(sampleRows(t, ',', limit, true), whole);
    }),
    { numRuns: 3000 },
  );
  // Rows that span lines (quoted newlines) and blank lines before the limit is reached.
  const lines = ['a,b', '"x', 'y",1', '', '2,3', '"p,q",4', ...Array.from({ length: 40 }, (_, i) => `${i},${i}`)];
  const t = lines.join('\n') + '\n';
  for (const limit of [1, 2, 3, 4, 10, 100]) assert.deepEqual(sampleRows(t, ',', limit, true), wholeText(t, limit), `limit ${limit}`);
  // A bad row past the sample's rows leaves them whole (lenient); the decoder reports it.
  assert.deepEqual(sampleRows('a,b\n"x\ny",1\n3,4\n""a\n', ',', 2, true), [['a', 'b'], ['x\ny', '1']]);
});
