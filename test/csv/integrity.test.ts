// Issue 13: no silent loss, no hang, no unbounded memory — csv(), lines() and the byte
// sources on hostile input: stray quotes, no newlines, bombs of zeros, stalled servers, CR-only
// line ends, files changed mid-epoch.
import assert from 'node:assert/strict';
import { appendFileSync, truncateSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { DataError, lines } from '../../src/index.js';
import { csv, type CsvOptions } from '../../src/csv/reader.js';
import { FileError } from '../../src/io/file.js';
import { writeMovieLensFile } from '../helpers/movielens-file.js';
import { tempFiles } from '../helpers/temp-files.js';

const { dir, file } = tempFiles('sluice-integrity-');
const ENGINES = ['fast', 'general', 'auto'] as const;
const NUM = { a: 'int32', b: 'int32' } as const;

async function outcome(path: string, options: CsvOptions): Promise<{ rows: unknown[]; skipped: number } | { error: string; line?: number }> {
  const ds = csv(path, options);
  try {
    return { rows: await ds.toArray(), skipped: ds.stats.skipped };
  } catch (e) {
    return e instanceof DataError ? { error: e.name, line: e.line } : { error: (e as Error).name };
  }
}

describe('stray quotes', () => {
  it("an unterminated quote under 'skip' costs one row in every engine; the rows after it are kept", async () => {
    const path = file('a,b\n1,2\n3,"4\n5,6\n7,8\n');
    for (const engine of ['general', 'auto'] as const) {
      const ds = csv(path, { engine, onBadRow: 'skip', columns: NUM });
      assert.deepStrictEqual(await ds.toArray(), [{ a: 1, b: 2 }, { a: 5, b: 6 }, { a: 7, b: 8 }], engine);
      assert.equal(ds.stats.skipped, 1, engine);
    }
    const fast = csv(path, { engine: 'fast', onBadRow: 'skip', columns: NUM });
    assert.deepStrictEqual(await fast.toArray(), [{ a: 1, b: 2 }, { a: 5, b: 6 }, { a: 7, b: 8 }]);
    assert.equal(fast.stats.skipped, 1);
  });

  it('a stray quote in a 200k-row file: a DataError at its line, or one counted skip, in every engine', async () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => `${i},${i % 7}`);
    rows[1000] = '1000,"5';
    const path = file(`a,b\n${rows.join('\n')}\n`);
    for (const engine of ['general', 'auto'] as const) {
      await assert.rejects(csv(path, { engine, columns: NUM }).toArray(), (e: unknown) => e instanceof DataError && e.line === 1002 && e.file === path);
      const ds = csv(path, { engine, columns: NUM, onBadRow: 'skip' });
      assert.equal(await ds.count(), 199_999, engine);
      assert.equal(ds.stats.skipped, 1);
    }
  });

  it('a quote left open past maxRowBytes is a bad row at the line it opened', async () => {
    const path = file(`a,b\n1,"x${'y'.repeat(5000)}\n2,3\n`);
    for (const engine of ['general', 'auto'] as const) {
      await assert.rejects(csv(path, { engine, columns: { a: 'int32', b: 'string' }, maxRowBytes: 1000 }).toArray(), (e: unknown) => e instanceof DataError && e.line === 2);
    }
  });
});

describe('bounded memory on input without newlines', () => {
  it('/dev/zero: a DataError past maxRowBytes, memory bounded (csv, lines)', async () => {
    const before = process.memoryUsage().rss;
    for (const engine of ENGINES) {
      await assert.rejects(csv('/dev/zero', { engine, header: false, maxRowBytes: 4 << 20 }).toArray(), (e: unknown) => e instanceof DataError && /maxRowBytes/.test(e.reason) && e.file === '/dev/zero');
    }
    await assert.rejects(lines('/dev/zero', { maxLineBytes: 4 << 20 }).toArray(), DataError);
    assert.ok(process.memoryUsage().rss - before < 200 << 20, 'RSS grew by less than 200 MiB');
  });

  it('a gzip of zeros is a DataError, not a string too long', async () => {
    const bomb = file(gzipSync(Buffer.alloc(64 << 20)), 'zeros.csv.gz');
    await assert.rejects(csv(bomb, { header: false, maxRowBytes: 1 << 20 }).toArray(), (e: unknown) => e instanceof DataError && e.file === bomb);
  });

  it('a header line without an end is a DataError naming the file', async () => {
    const path = file(`${'h'.repeat(3000)}`);
    await assert.rejects(csv(path, { maxRowBytes: 1000 }).toArray(), (e: unknown) => e instanceof DataError && e.line === 1);
  });
});

describe('network reads', () => {
  const servers: Server[] = [];
  after(() => servers.forEach((s) => s.close()));
  const serve = async (handler: (res: ServerResponse) => void): Promise<string> => {
    const server = createServer((_, res) => handler(res));
    server.on('connection', (socket) => socket.unref());
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/data.csv`;
  };

  it('an endless body without a newline: a DataError, memory bounded', async () => {
    const url = await serve((res) => {
      res.writeHead(200);
      const block = Buffer.alloc(64 << 10, 0x41);
      const pump = (): void => {
        while (res.write(block));
        res.once('drain', pump);
      };
      pump();
      res.on('close', () => res.removeAllListeners('drain'));
    });
    await assert.rejects(csv(url, { header: false, maxRowBytes: 2 << 20 }).toArray(), (e: unknown) => e instanceof DataError && e.file === url);
  });

  it('a server that sends headers then stalls: a FileError naming the URL after idleTimeoutMs', async () => {
    const url = await serve((res) => {
      res.writeHead(200);
      res.write('a,b\n1,2\n');
    });
    await assert.rejects(csv(url, { idleTimeoutMs: 300 }).toArray(), (e: unknown) => e instanceof FileError && e.message.includes(url) && /idleTimeoutMs/.test(e.message));
  });

  it('a server that never answers: a FileError naming the URL after connectTimeoutMs', async () => {
    const url = await serve(() => undefined);
    await assert.rejects(csv(url, { connectTimeoutMs: 300 }).toArray(), (e: unknown) => e instanceof FileError && e.message.includes(url) && /connectTimeoutMs/.test(e.message));
  });
});

describe('line ends', () => {
  it('LF, CRLF and CR-only give the same rows in every engine, and in lines()', async () => {
    const body = ['a,b', '1,2', '3,4', '', '5,6'];
    const expected = [{ a: 1, b: 2 }, { a: 3, b: 4 }, { a: 5, b: 6 }];
    for (const eol of ['\n', '\r\n', '\r']) {
      const path = file(body.join(eol) + eol);
      for (const engine of ENGINES) assert.deepStrictEqual(await csv(path, { engine, columns: NUM }).toArray(), expected, `${JSON.stringify(eol)} ${engine}`);
      const named = file(body.slice(1).join(eol) + eol);
      for (const engine of ENGINES) assert.deepStrictEqual(await csv(named, { engine, header: ['a', 'b'], columns: NUM }).toArray(), expected, `names given ${engine}`);
      assert.deepStrictEqual(await lines(path).toArray(), body, `lines ${JSON.stringify(eol)}`);
    }
  });

  it('a CR-only file with header names given: engines agree', async () => {
    const path = file('1,2\r3,4\r');
    const got = await Promise.all(ENGINES.map((engine) => outcome(path, { engine, header: ['a', 'b'], columns: NUM })));
    for (const g of got) assert.deepStrictEqual(g, { rows: [{ a: 1, b: 2 }, { a: 3, b: 4 }], skipped: 0 });
  });

  it('a bare CR inside an LF file stays in its field in every engine', async () => {
    const path = file('a,b\n1,x\ry\n2,z\n');
    for (const engine of ['general', 'auto'] as const) {
      assert.deepStrictEqual(await csv(path, { engine, columns: { a: 'int32', b: 'string' } }).toArray(), [{ a: 1, b: 'x\ry' }, { a: 2, b: 'z' }]);
    }
    for (const engine of ENGINES) {
      const r = await outcome(path, { engine, columns: NUM, onBadRow: 'skip' });
      assert.deepStrictEqual(r, { rows: [], skipped: 2 }, engine);
    }
  });

  it('a byte range of a CR-only file is refused, not read as no rows', async () => {
    const path = file(Array.from({ length: 5000 }, (_, i) => `${i},${i}`).join('\r') + '\r');
    await assert.rejects(csv(path, { header: ['a', 'b'], byteRange: [100, 200] }).toArray(), (e: unknown) => e instanceof DataError && /CR-only/.test(e.reason));
  });
});

describe('a file that changes during an epoch', () => {
  let bigs = 0;
  const big = (): string => writeMovieLensFile(join(dir, `big${bigs++}.csv`), { rows: 200_000, seed: 5 });

  it('truncated mid-epoch: a FileError, never a short epoch', async () => {
    const path = big();
    const ds = csv(path, { chunkBytes: 64 << 10 });
    await assert.rejects(
      (async () => {
        let i = 0;
        for await (const _ of ds.chunks()) if (i++ === 0) truncateSync(path, 1 << 20);
      })(),
      (e: unknown) => e instanceof FileError && e.path === path && /changed size/.test(e.message),
    );
    assert.equal(ds.stats.complete, false);
  });

  it('appended to mid-epoch: a FileError', async () => {
    const path = big();
    await assert.rejects(
      (async () => {
        let i = 0;
        for await (const _ of csv(path, { chunkBytes: 64 << 10 }).chunks()) if (i++ === 0) appendFileSync(path, '1,2,3.5,4\n');
      })(),
      FileError,
    );
  });
});
