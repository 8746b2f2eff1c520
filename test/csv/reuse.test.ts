// csv() reads a file into memory it reuses (readBytes' reuseAfter): whatever spans many
// blocks — a quoted field with newlines, a long line — must be copied out before its blocks
// are read into again, or it would come out with later bytes in it. The memory goes on to the
// dataset's next epochs (readBytes' memory), never to an epoch while another still reads it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csv } from '../../src/csv/reader.js';
import { shuffledCsv } from '../../src/csv/shuffled.js';
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

  it("readBytes reads into a read's spare memory first and lists every buffer it read into", async () => {
    const path = file(Buffer.from(Array.from({ length: 8192 * 12 }, (_, i) => i % 251)));
    const first = { spare: [] as ArrayBuffer[], used: [] as ArrayBuffer[] };
    const bytes: Buffer[] = [];
    for await (const b of readBytes(path, { chunkBytes: 8192, reuseAfter: 3, memory: first })) bytes.push(Buffer.from(b));
    assert.ok(first.used.length >= 4 && first.used.length < 12, `${first.used.length} buffers`);
    // A second read given the first's memory: no fresh buffer, the same bytes.
    const second = { spare: [...first.used], used: [] as ArrayBuffer[] };
    let k = 0;
    for await (const b of readBytes(path, { chunkBytes: 8192, reuseAfter: 3, memory: second })) assert.ok(b.equals(bytes[k++]!), `block ${k - 1}`);
    assert.equal(k, 12);
    assert.deepEqual(new Set(second.used), new Set(first.used));
    assert.equal(second.spare.length, 0);
    // Spare buffers smaller than a block are let go, not read into past their end.
    const small = { spare: [new ArrayBuffer(100)], used: [] as ArrayBuffer[] };
    for await (const b of readBytes(path, { chunkBytes: 8192, reuseAfter: 3, end: 8192, memory: small })) assert.equal(b.buffer.byteLength, 8192);
    assert.equal(small.spare.length, 0);
  });

  it("csv() epochs, one after another and overlapping, read the same rows into the memory of the epochs before", async () => {
    const text = `a,b\n${Array.from({ length: 20_000 }, (_, i) => `${i},${(i * 7919) % 10_007}`).join('\n')}\n`;
    const ds = csv(file(text), { header: true, columns: { a: 'int32', b: 'int32' }, chunkBytes: 4096 });
    // Read blocks that will be read into again are made by allocUnsafeSlow: counted an epoch at a time.
    const allocUnsafeSlow = Buffer.allocUnsafeSlow;
    let made = 0;
    Buffer.allocUnsafeSlow = (size: number) => ((made += size === 4096 ? 1 : 0), allocUnsafeSlow(size));
    let expected: number[];
    try {
      expected = (await ds.toArray()).map((r) => r.a * 100_000 + r.b);
      assert.ok(made > 0, 'the first epoch makes its read buffers');
      made = 0;
      assert.deepEqual((await ds.toArray()).map((r) => r.a * 100_000 + r.b), expected);
      assert.equal(made, 0, 'the second epoch reads into the first one\'s buffers');
    } finally {
      Buffer.allocUnsafeSlow = allocUnsafeSlow;
    }
    assert.equal(expected.length, 20_000);
    // Two epochs at once, stepped in turn: neither reads into a block the other holds.
    const one = ds[Symbol.asyncIterator]();
    const two = ds[Symbol.asyncIterator]();
    const got: [number[], number[]] = [[], []];
    for (let done = 0; done < 2; ) {
      done = 0;
      for (const [k, it] of [one, two].entries()) {
        const r = await it.next();
        if (r.done === true) done++;
        else got[k]!.push(r.value.a * 100_000 + r.value.b);
      }
    }
    assert.deepEqual(got[0], expected);
    assert.deepEqual(got[1], expected);
  });

  it("shuffledCsv's later epochs read blocks on this thread into the buffers of the epochs before", async () => {
    const text = `a,b\n${Array.from({ length: 100_000 }, (_, i) => `${i},${i % 977}`).join('\n')}\n`;
    const ds = shuffledCsv(file(text), { columns: { a: 'int32', b: 'int32' }, workers: 0, shuffle: { seed: 3, blockBytes: 96 << 10, openBlocks: 4 } });
    // Read buffers are a block and its slack (over the header reader's 64 KB): counted as they are made, an epoch at a time.
    const allocUnsafe = Buffer.allocUnsafe;
    let made = 0;
    Buffer.allocUnsafe = (size: number) => ((made += size > 64 << 10 ? 1 : 0), allocUnsafe(size));
    try {
      const sums: number[] = [];
      const madeBy: number[] = [];
      for (let epoch = 0; epoch < 3; epoch++) {
        made = 0;
        let sum = 0;
        for await (const row of ds) sum += row.a;
        sums.push(sum);
        madeBy.push(made);
      }
      assert.deepEqual(sums, [4_999_950_000, 4_999_950_000, 4_999_950_000]);
      assert.ok(madeBy[0]! > 0, 'the first epoch makes its buffers');
      assert.deepEqual(madeBy.slice(1), [0, 0], `buffers made an epoch: ${madeBy.join(', ')}`);
    } finally {
      Buffer.allocUnsafe = allocUnsafe;
    }
  });
});
