// The cases issue 12 reproduced on the hand-written iterators, one test each: a return()
// that races a next() in flight, and what is left running afterwards.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { AbortError, csv, range } from '../src/index.js';
import { csvParallel } from '../src/csv/parallel.js';
import { background } from '../src/sources/background.js';
import { writeMovieLensFile } from './helpers/movielens-file.js';
import { resources, settledGain } from './helpers/resources.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-life-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const index = JSON.stringify(new URL('../src/index.ts', import.meta.url).pathname);
fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
const pipelineFile = path.join(dir, 'slow.ts');
fs.writeFileSync(
  pipelineFile,
  `import { fromIterable } from ${index};
// One element every 20 ms: a pull is always in flight when the consumer returns.
export const slow = () => fromIterable(async function* () { for (let i = 0; i < 1e6; i++) { await new Promise((r) => setTimeout(r, 20)); yield i; } });
`,
);
const pipeline = pathToFileURL(pipelineFile);

/** Resolves to 'settled' or 'hung' (after `ms`): a hang detector, not a timing assertion. */
function settles(p: Promise<unknown>, ms = 10_000): Promise<'settled' | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((r) => (timer = setTimeout(r, ms, 'hung')));
  return Promise.race([p.then(() => 'settled' as const, () => 'settled' as const), hung]).finally(() => clearTimeout(timer));
}

describe('return() while next() is in flight', () => {
  test('csvParallel: the epoch does not start, the pending next() answers done, nothing is left running', async () => {
    const file = path.join(dir, 'r.csv');
    writeMovieLensFile(file, { rows: 20_000 });
    // Warm the shared pool's threads so that only what this epoch adds is counted.
    await csvParallel(file, { workers: 2 }).take(1).toArray();
    const before = resources();
    const it = csvParallel(file, { workers: 2, rangeBytes: 64 << 10 }).chunks()[Symbol.asyncIterator]();
    const pending = it.next();
    await it.return!();
    assert.deepEqual(await pending, { done: true, value: undefined });
    assert.deepEqual(await settledGain(before), { fds: 0, threads: 0, handles: 0 });
  });

  test('background(): the pending next() settles, the epoch closes', async () => {
    const ds = background<number>(pipeline, { exportName: 'slow', depth: 2 });
    const it = ds.chunks()[Symbol.asyncIterator]();
    assert.equal((await it.next()).done, false);
    const pending = it.next();
    const closing = it.return!();
    assert.equal(await settles(pending), 'settled');
    assert.equal(await settles(closing), 'settled');
    assert.deepEqual(await pending, { done: true, value: undefined });
  });

  test('mapParallel under prefetch: no pool starts after close', async () => {
    const before = resources();
    for (let k = 0; k < 2; k++) {
      const it = range(20_000).mapParallel((x: number) => x + 1, { concurrency: 2 }).prefetch(2).chunks()[Symbol.asyncIterator]();
      await it.next();
      await it.return!();
    }
    assert.equal((await settledGain(before)).threads, 0);
  });
});

describe('HTTP', () => {
  test('csv(url) against a stalled server, aborted: the consumer rejects with AbortError and the socket closes', async () => {
    const { createServer } = await import('node:http');
    let closed = 0;
    let arrived: () => void = () => {};
    const requested = new Promise<void>((r) => (arrived = r));
    const server = createServer((req, res) => {
      req.socket.on('close', () => closed++);
      arrived();
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write('a,b\n1,2\n'); // then nothing: the server stalls
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      const ac = new AbortController();
      const pending = csv(`http://127.0.0.1:${port}/r.csv`).toArray({ signal: ac.signal });
      await requested; // the server has answered the first bytes and stalls
      ac.abort(new Error('enough'));
      await assert.rejects(pending, (e: unknown) => e instanceof AbortError && (e.cause as Error).message === 'enough');
      for (let i = 0; i < 200 && closed === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(closed, 1, 'the server saw the socket close');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
