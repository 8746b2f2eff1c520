// lineEnd decides a file's line ends from its first one; it searches for a CR only before
// the first LF, and must answer as a search of the whole block would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { lineEnd } from '../../src/csv/lines.js';

/** The definition: the first line end of the block, a bare CR ('cr'), LF or CRLF ('lf'), undefined when none (or a CR last: the next byte decides). */
function reference(block: Buffer): 'cr' | 'lf' | undefined {
  for (let i = 0; i < block.length; i++) {
    if (block[i] === 10) return 'lf';
    if (block[i] === 13) return i + 1 < block.length ? (block[i + 1] === 10 ? 'lf' : 'cr') : undefined;
  }
  return undefined;
}

test('lineEnd finds the first line end as a search of the whole block would', () => {
  const block = fc.array(fc.constantFrom(97, 44, 10, 13), { maxLength: 40 }).map((b) => Buffer.from(b));
  fc.assert(
    fc.property(block, (b) => assert.equal(lineEnd(b), reference(b))),
    { numRuns: 3000 },
  );
  assert.equal(lineEnd(Buffer.from('a,b\nc\rd')), 'lf'); // a CR after the first LF does not count
  assert.equal(lineEnd(Buffer.from('a,b\rc\nd')), 'cr');
});
