// csv() reads a file into memory it reuses (readBytes' reuseAfter): whatever spans many
// blocks — a quoted field with newlines, a long line — must be copied out before its blocks
// are read into again, or it would come out with later bytes in it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csv } from '../../src/csv/reader.js';
import { readBytes } from '../../src/io/file.js';
import { tempFiles } from '../helpers/temp-files.js';

const { file } = tempFiles('sluice-reuse-');

describe('csv() over reused read memory', () => {
  it('keeps a quoted field that spans many blocks whole (engine auto)', async () => {
    // Past the type sample's 64 KB, and longer than the blocks the reader keeps (reuseAfter).
    const before = Array.from({ length: 8000 }, (_, i) => `${i},n${i},${i}`).join('\n');
    const note = Array.from({ length: 12_000 }, (_, i) => `line ${i}`).join('\n');
    const path = file(`id,note,x\n${before}\n8000,"${note}",5\n${Array.from({ length: 200 }, (_, i) => `${i + 8001},n${i},${i}`).join('\n')}\n`);
    // Numeric columns: the fast engine hands the quoted record to the general engine's rules.
    const rows = await csv(path, { header: true, columns: { id: 'int32', x: 'int32' }, chunkBytes: 64, engine: 'auto' }).toArray();
    assert.equal(rows.length, 8201);
    assert.deepEqual(rows[8000], { id: 8000, x: 5 });
    assert.deepEqual(rows[8200], { id: 8200, x: 199 });
    const notes = await csv(path, { header: true, chunkBytes: 64 }).toArray();
    assert.deepEqual(notes[8000], { id: 8000, note, x: 5 });
  });

  it('keeps a line longer than many blocks whole', async () => {
    const long = Array.from({ length: 40_000 }, (_, i) => String(i % 10)).join(';'); // 80 KB: past reuseAfter's blocks
    const path = file(`a,b\n${Array.from({ length: 10_000 }, (_, i) => `${i},x`).join('\n')}\n-1,${long}\n7,y\n`);
    const rows = await csv(path, { header: true, columns: { a: 'int32', b: 'string' }, chunkBytes: 32 }).toArray();
    assert.equal(rows.length, 10_002);
    assert.deepEqual(rows[10_000], { a: -1, b: long });
    assert.deepEqual(rows[10_001], { a: 7, b: 'y' });
  });

  it('readBytes hands out fresh memory unless asked to reuse it, and reuses only after reuseAfter more blocks', async () => {
    const path = file(Buffer.alloc(8192 * 20, 1)); // blocks over 4 KB: never slices of Node's shared pool
    const fresh: Buffer[] = [];
    for await (const b of readBytes(path, { chunkBytes: 8192 })) fresh.push(b);
    assert.equal(new Set(fresh.map((b) => b.buffer)).size, 20);
    const seen: ArrayBuffer[] = [];
    for await (const b of readBytes(path, { chunkBytes: 8192, reuseAfter: 3 })) {
      const at = seen.indexOf(b.buffer as ArrayBuffer);
      if (at >= 0) assert.ok(seen.length - at > 3, `block ${seen.length} reuses block ${at}'s memory`);
      seen.push(b.buffer as ArrayBuffer);
    }
    assert.ok(new Set(seen).size < 20, 'memory is reused');
  });
});
