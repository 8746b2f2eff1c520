import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { before, describe, it } from 'node:test';
import { ColumnChunk, DataError, OptionError } from '../../src/index.js';
import { csv } from '../../src/csv/reader.js';
import { FileError } from '../../src/io/file.js';
import { movieLensRows, writeMovieLensFile } from '../helpers/movielens-file.js';
import { tempFiles } from '../helpers/temp-files.js';

const { dir, file } = tempFiles('sluice-');
const ML = { userId: 'int32', movieId: 'int32', rating: 'float32', timestamp: 'int32' } as const;
const ENGINES = ['fast', 'general', 'auto'] as const;

describe('csv: formats', () => {
  it('reads ratings.csv with a header, typed columns, in order, for each engine', async () => {
    const path = writeMovieLensFile(join(dir, 'ratings.csv'), { rows: 5000, seed: 3 });
    const expected = [...movieLensRows({ rows: 5000, seed: 3 })].map((r) => ({ ...r, rating: Math.fround(r.rating) }));
    for (const engine of ENGINES) {
      const ds = csv(path, { columns: ML, engine });
      assert.deepEqual(ds.schema, ML);
      assert.deepStrictEqual(await ds.toArray(), expected, engine);
      assert.equal(ds.stats.rows, 5000);
      assert.equal(ds.stats.engine, engine === 'auto' ? 'fast' : engine);
    }
  });

  it('reads u.data (tab, no header, names given) and ratings.dat (::, no header)', async () => {
    const names = ['userId', 'itemId', 'rating', 'timestamp'];
    const udata = writeMovieLensFile(join(dir, 'u.data'), { rows: 300, delimiter: '\t', integerRatings: true });
    const dat = writeMovieLensFile(join(dir, 'ratings.dat'), { rows: 300, delimiter: '::', integerRatings: true });
    const expected = [...movieLensRows({ rows: 300, integerRatings: true })].map((r) => ({ userId: r.userId, itemId: r.movieId, rating: r.rating }));
    for (const engine of ENGINES) {
      const columns = { userId: 'int32', itemId: 'int32', rating: 'float32' } as const;
      assert.deepStrictEqual(await csv(udata, { delimiter: '\t', header: names, columns, engine }).toArray(), expected);
      assert.deepStrictEqual(await csv(dat, { delimiter: '::', header: names, columns, engine }).toArray(), expected);
    }
  });

  it('handles CRLF, a BOM, no final newline, blank lines and blank trailing lines', async () => {
    const path = file('\uFEFFa,b\r\n1,2.5\r\n\r\n3,4\r\n5,6\r\n\r\n\r\n');
    const tail = file('a,b\n1,2\n3,4');
    for (const engine of ENGINES) {
      assert.deepStrictEqual(await csv(path, { engine }).toArray(), [{ a: 1, b: 2.5 }, { a: 3, b: 4 }, { a: 5, b: 6 }]);
      assert.deepStrictEqual(await csv(tail, { engine }).toArray(), [{ a: 1, b: 2 }, { a: 3, b: 4 }]);
    }
  });

  it('gives the same rows whatever the read size (rows and numbers split across reads)', async () => {
    const path = writeMovieLensFile(join(dir, 'split.csv'), { rows: 200, crlf: true, bom: true, noFinalNewline: true });
    const whole = await csv(path, { columns: ML }).toArray();
    for (const chunkBytes of [1, 2, 3, 7, 31, 64]) {
      for (const engine of ['fast', 'general'] as const) {
        assert.deepStrictEqual(await csv(path, { columns: ML, chunkBytes, engine }).toArray(), whole, `${engine} ${chunkBytes}`);
      }
    }
  });

  it('infers dtypes from the first rows: int32, float64, string', async () => {
    const path = file('id,score,name,big,half\n1,0.5,x,3000000000,4.0\n2,1,y,1,3.5\n');
    const ds = csv(path);
    assert.equal(ds.schema, undefined); // known once an epoch starts
    const rows = await ds.toArray();
    assert.deepEqual(ds.schema, { id: 'int32', score: 'float64', name: 'string', big: 'float64', half: 'float64' });
    assert.deepStrictEqual(rows[0], { id: 1, score: 0.5, name: 'x', big: 3000000000, half: 4 });
    assert.equal(ds.stats.engine, 'general');
  });

  it('selects columns in the order given and drops the others', async () => {
    const path = file('a,b,c\n1,2,3\n');
    const rows = await csv(path, { columns: { c: 'float64', a: 'int32' } }).toArray();
    assert.deepStrictEqual(rows, [{ c: 3, a: 1 }]);
    assert.deepStrictEqual(Object.keys(rows[0]!), ['c', 'a']);
  });

  it('names columns 0, 1, … with header: false', async () => {
    const path = file('1,2\n3,4\n');
    assert.deepStrictEqual(await csv(path, { header: false }).toArray(), [{ 0: 1, 1: 2 }, { 0: 3, 1: 4 }]);
    assert.deepStrictEqual(await csv(path, { header: false, columns: { 1: 'int32' } }).toArray(), [{ 1: 2 }, { 1: 4 }]);
  });

  it('reads quoted fields, escaped quotes and newlines inside quotes (general engine)', async () => {
    const path = file('id,title,genres\n1,"Toy Story (1995)",Comedy\n2,"Jumanji, ""The""",Adventure\n3,"two\nlines",x\n4,plain,y\n');
    const expected = [
      { id: 1, title: 'Toy Story (1995)', genres: 'Comedy' },
      { id: 2, title: 'Jumanji, "The"', genres: 'Adventure' },
      { id: 3, title: 'two\nlines', genres: 'x' },
      { id: 4, title: 'plain', genres: 'y' },
    ];
    assert.deepStrictEqual(await csv(path).toArray(), expected);
    // auto reads numeric columns with the fast engine, and each quoted row by the general engine's rules
    const ids = csv(path, { columns: { id: 'int32' } });
    assert.deepStrictEqual(await ids.toArray(), [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]);
    assert.equal(ids.stats.engine, 'fast');
  });

  it('keeps quoted newlines across reads of any size and counts lines through them', async () => {
    const path = file('a,b\r\n1,"x\r\ny"\r\n2,"say ""hi"""\r\nq,w\r\n3,"\n\n"\r\n');
    for (const chunkBytes of [1, 2, 5, 1 << 20]) {
      const seen: number[] = [];
      const rows = await csv(path, { chunkBytes, columns: { a: 'int32', b: 'string' }, onBadRow: (i) => seen.push(i.line) }).toArray();
      assert.deepStrictEqual(rows, [{ a: 1, b: 'x\r\ny' }, { a: 2, b: 'say "hi"' }, { a: 3, b: '\n\n' }], String(chunkBytes));
      assert.deepEqual(seen, [5]);
    }
  });

  it('yields columnar chunks from the fast engine and columnar batches downstream', async () => {
    const path = writeMovieLensFile(join(dir, 'cols.csv'), { rows: 3000 });
    let sawColumns = false;
    for await (const chunk of csv(path, { columns: ML, chunkRows: 1000 }).chunks()) {
      assert.ok(chunk instanceof ColumnChunk);
      assert.ok(chunk.columns.rating instanceof Float32Array);
      assert.ok(chunk.size <= 1000);
      sawColumns = true;
    }
    assert.ok(sawColumns);
    const sizes: number[] = [];
    for await (const b of csv(path, { columns: ML }).batch(1024)) {
      assert.ok(b.columns.userId instanceof Int32Array);
      sizes.push(b.size);
    }
    assert.deepEqual(sizes, [1024, 1024, 952]);
  });

  it('is re-iterable: each epoch reopens the file', async () => {
    const path = file('a\n1\n2\n');
    const ds = csv(path);
    assert.deepStrictEqual(await ds.toArray(), [{ a: 1 }, { a: 2 }]);
    assert.equal(ds.size, 2); // known after a full epoch
    writeFileSync(path, 'a\n7\n');
    assert.deepStrictEqual(await ds.toArray(), [{ a: 7 }]);
  });

  it('closes the file when the consumer stops early', async () => {
    const path = writeMovieLensFile(join(dir, 'early.csv'), { rows: 20000 });
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const before = fds();
    for (const engine of ['fast', 'general'] as const) {
      for await (const row of csv(path, { columns: ML, engine, chunkBytes: 4096 })) {
        assert.ok(row.userId > 0);
        break;
      }
    }
    assert.equal(fds(), before);
  });

  it('reads .gz files and http(s) URLs (gz too)', async () => {
    const text = 'a,b\n1,2\n3,4\n';
    const gz = file(gzipSync(text), 'x.csv.gz');
    const expected = [{ a: 1, b: 2 }, { a: 3, b: 4 }];
    assert.deepStrictEqual(await csv(gz).toArray(), expected);
    const server: Server = createServer((req, res) => {
      if (req.url === '/r.csv') res.end(text);
      else if (req.url === '/r.csv.gz') res.end(gzipSync(text));
      else {
        res.statusCode = 404;
        res.end('no');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      for (const engine of ENGINES) {
        assert.deepStrictEqual(await csv(`http://127.0.0.1:${port}/r.csv`, { engine }).toArray(), expected);
        assert.deepStrictEqual(await csv(`http://127.0.0.1:${port}/r.csv.gz`, { engine }).toArray(), expected);
      }
      await assert.rejects(csv(`http://127.0.0.1:${port}/missing.csv`).toArray(), (e: Error) => e instanceof FileError && /missing\.csv.*404/.test(e.message));
    } finally {
      server.close();
    }
  });
});

describe('csv: errors', () => {
  it('missing file, directory, no permission: a FileError naming the path at the start of iteration', async () => {
    const missing = join(dir, 'nope.csv');
    const ds = csv(missing); // building does not touch the file
    await assert.rejects(ds.toArray(), (e: Error) => e instanceof FileError && e.message.includes(missing));
    const sub = join(dir, 'adir');
    mkdirSync(sub);
    await assert.rejects(csv(sub).toArray(), (e: Error) => e instanceof FileError && e.message.includes(sub) && /directory/.test(e.message));
    const locked = file('a\n1\n');
    chmodSync(locked, 0o000);
    if (process.getuid?.() !== 0) {
      await assert.rejects(csv(locked).toArray(), (e: Error) => e instanceof FileError && e.message.includes(locked));
    }
    await assert.rejects(csv(join(dir, 'nope.csv.gz')).toArray(), (e: Error) => e instanceof FileError && e.message.includes('nope.csv.gz'));
    const corrupt = file('not gzip at all', 'bad.csv.gz');
    await assert.rejects(csv(corrupt).toArray(), (e: Error) => e instanceof FileError && e.message.includes(corrupt));
    const refused = 'http://127.0.0.1:9/r.csv'; // the discard port: nothing listens
    await assert.rejects(csv(refused).toArray(), (e: Error) => e instanceof FileError && e.message.includes(refused));
  });

  it('a bad row is a DataError with file, line, column, raw text and reason', async () => {
    const path = file('a,b\n1,2\n\n3,x\n5,6\n');
    for (const engine of ENGINES) {
      await assert.rejects(csv(path, { engine, columns: { a: 'int32', b: 'float64' } }).toArray(), (e: unknown) => {
        assert.ok(e instanceof DataError);
        assert.equal(e.file, path);
        assert.equal(e.line, 4);
        assert.equal(e.column, 'b');
        assert.equal(e.raw, '3,x');
        assert.equal(e.reason, 'not a number: "x"');
        return true;
      });
    }
    const count = file('a,b\n1,2\n1,2,3\n');
    await assert.rejects(csv(count, { columns: { a: 'int32' } }).toArray(), /:3: expected 2 fields, got 3/);
    const int = file('a\n2147483648\n');
    await assert.rejects(csv(int, { columns: { a: 'int32' } }).toArray(), /not an int32: "2147483648"/);
  });

  it('cuts the raw text to 200 characters', async () => {
    const path = file(`a,b\n1,${'z'.repeat(500)}\n`);
    await assert.rejects(csv(path, { columns: { a: 'int32', b: 'int32' } }).toArray(), (e: unknown) => e instanceof DataError && e.raw.length === 200);
  });

  it("onBadRow 'skip' counts skipped rows; a callback sees each one", async () => {
    const path = file('a,b\n1,2\n3\n4,y\n5,6\n"7,8\n');
    for (const engine of ['general', 'auto'] as const) {
      const ds = csv(path, { onBadRow: 'skip', engine, columns: { a: 'int32', b: 'int32' } });
      assert.deepStrictEqual(await ds.toArray(), [{ a: 1, b: 2 }, { a: 5, b: 6 }]);
      assert.equal(ds.stats.skipped, 3);
      assert.equal(ds.stats.complete, true);
      const seen: string[] = [];
      const stats = { rows: 0, skipped: 0, bytes: 0, engine: undefined, complete: false };
      await csv(path, { onBadRow: (info) => seen.push(`${info.line}:${info.reason}`), engine, stats, columns: { a: 'int32', b: 'int32' } }).toArray();
      assert.deepEqual(seen, ['3:expected 2 fields, got 1', '4:not an int32: "y"', '6:unterminated quote']);
      assert.equal(stats.skipped, 3);
    }
  });

  it("engine 'fast' treats a quoted row as a bad row", async () => {
    const path = file('a,b\n1,2\n"3",4\n5,6\n');
    const ds = csv(path, { engine: 'fast', onBadRow: 'skip', columns: { a: 'int32', b: 'int32' } });
    assert.deepStrictEqual(await ds.toArray(), [{ a: 1, b: 2 }, { a: 5, b: 6 }]);
    assert.equal(ds.stats.skipped, 1);
  });

  it('a text after a closing quote is a bad row, and reading goes on after it', async () => {
    const path = file('a,b\n1,"x"y\n2,ok\n');
    const seen: number[] = [];
    assert.deepStrictEqual(await csv(path, { onBadRow: (i) => seen.push(i.line) }).toArray(), [{ a: 2, b: 'ok' }]);
    assert.deepEqual(seen, [2]);
  });

  it('a column not in the file fails at the start of iteration, naming it', async () => {
    const path = file('a,b\n1,2\n');
    await assert.rejects(csv(path, { columns: { c: 'int32' } }).toArray(), /column 'c' is not in .*\(its columns: a, b\)/);
    const dup = file('a,a\n1,2\n');
    await assert.rejects(csv(dup).toArray(), /column 'a' appears twice/);
    assert.deepStrictEqual(await csv(dup, { columns: { a: 'int32' } }).toArray(), [{ a: 1 }]);
  });

  it('validates options when the dataset is built', () => {
    const path = join(dir, 'any.csv');
    assert.throws(() => csv(path, { delimiter: '' }), OptionError);
    assert.throws(() => csv(path, { delimiter: '"' }), OptionError);
    assert.throws(() => csv(path, { header: [] }), OptionError);
    assert.throws(() => csv(path, { columns: { a: 'int64' as 'int32' } }), /columns\.a must be one of/);
    assert.throws(() => csv(path, { columns: {} }), OptionError);
    assert.throws(() => csv(path, { header: ['a'], columns: { b: 'int32' } }), /column 'b' is not among/);
    assert.throws(() => csv(path, { engine: 'fast', columns: { a: 'string' } }), /engine 'fast' reads numeric columns only/);
    assert.throws(() => csv(path, { onBadRow: 'ignore' as 'skip' }), OptionError);
    assert.throws(() => csv(path, { byteRange: [5, 2] }), OptionError);
    assert.throws(() => csv(`${path}.gz`, { byteRange: [0, 2] }), /byteRange needs a file, an s3:\/\/ object or a URL, not a \.gz file/);
  });
});

describe('csv: byteRange', () => {
  it('ranges of a MovieLens file with a header partition its rows', async () => {
    const path = writeMovieLensFile(join(dir, 'ranged.csv'), { rows: 2000, bom: true, crlf: true });
    const whole = await csv(path, { columns: ML }).toArray();
    const size = (await import('node:fs')).statSync(path).size;
    const parts = 7;
    const rows: unknown[] = [];
    for (let i = 0; i < parts; i++) {
      const range: [number, number] = [Math.floor((size * i) / parts), Math.floor((size * (i + 1)) / parts)];
      const part = await csv(path, { columns: ML, byteRange: range, chunkBytes: 997 }).toArray();
      assert.ok(part.length > 0);
      rows.push(...part);
    }
    assert.deepStrictEqual(rows, whole);
  });
});

before(() => {});
