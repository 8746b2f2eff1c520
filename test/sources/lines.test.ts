import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { FileError, lines } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-lines-'));
const openFds = () => readdirSync('/proc/self/fd').length;

test('reads LF and CRLF lines, drops a BOM, keeps a last line without newline', async () => {
  const file = join(dir, 'a.txt');
  writeFileSync(file, '\ufeffuserId,movieId\r\n1,2\n3,4\r\nlast');
  assert.deepEqual(await lines(file).toArray(), ['userId,movieId', '1,2', '3,4', 'last']);
});

test('any block size gives the same lines (multi-byte UTF-8 split across reads)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/[\r\n\ufeff]/g, '')), { maxLength: 30 }), fc.integer({ min: 1, max: 40 }), fc.boolean(), async (rows, chunkBytes, crlf) => {
      const file = join(dir, `p-${chunkBytes}.txt`);
      const text = rows.join(crlf ? '\r\n' : '\n');
      writeFileSync(file, text);
      const expected = text.split(crlf ? '\r\n' : '\n');
      if (expected.at(-1) === '') expected.pop(); // a final newline ends the last line, it does not start one
      assert.deepEqual(await lines(file, { chunkBytes }).toArray(), expected);
    }),
    { numRuns: 150 },
  );
});

test('break after the first line closes the file', async () => {
  const file = join(dir, 'big.txt');
  writeFileSync(file, Array.from({ length: 100_000 }, (_, i) => `line ${i}`).join('\n'));
  const before = openFds();
  for await (const line of lines(file).map((l) => l.toUpperCase())) {
    assert.equal(line, 'LINE 0');
    assert.equal(openFds(), before + 1, 'the file is open while we read');
    break;
  }
  assert.equal(openFds(), before);
});

test('each epoch reopens the file', async () => {
  const file = join(dir, 'epochs.txt');
  writeFileSync(file, 'a\nb\n');
  const ds = lines(file);
  assert.deepEqual(await ds.toArray(), ['a', 'b']);
  writeFileSync(file, 'c\n');
  assert.deepEqual(await ds.toArray(), ['c']);
});

test('a missing file or a directory fails at the start of iteration, naming the path', async () => {
  const missing = join(dir, 'nope.txt');
  const ds = lines(missing); // building it does not touch the file
  await assert.rejects(ds.toArray(), (e: unknown) => e instanceof FileError && e.message.includes(missing) && /ENOENT/.test(e.message));
  await assert.rejects(lines(dir).toArray(), (e: unknown) => e instanceof FileError && /is a directory/.test(e.message));
});
