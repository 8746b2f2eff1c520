// csvParallel in processes of their own: can the process exit after an early break, and
// does a waiting consumer hold it open? A slow test file (npm run test:slow).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ratingsText } from '../helpers/ratings-text.js';
import { tempFiles } from '../helpers/temp-files.js';

const { dir, file: writeCsv } = tempFiles('sluice-');

describe('csvParallel (own process)', () => {
  test('early break: the consumer is released at once and the process can exit (no worker holds it)', async () => {
    const file = writeCsv(ratingsText(50_000));
    const script = [
      `import { csvParallel } from ${JSON.stringify(new URL('../../src/csv/parallel.ts', import.meta.url).href)};`,
      `let n = 0;`,
      `for await (const _ of csvParallel(${JSON.stringify(file)}, { rangeBytes: 16 << 10 })) if (++n === 10) break;`,
      `const broke = performance.now();`,
      `process.on('exit', () => console.log('broke', n, 'exited after', Math.round(performance.now() - broke), 'ms'));`,
    ].join('\n');
    const scriptFile = path.join(dir, 'break.mjs');
    fs.writeFileSync(scriptFile, script);
    const child = spawnSync(process.execPath, ['--import', 'tsx', scriptFile], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(child.signal, null, 'the process did not exit by itself');
    assert.equal(child.status, 0, child.stderr);
    const [, n, ms] = /broke (\d+) exited after (\d+) ms/.exec(child.stdout) ?? [];
    assert.equal(n, '10');
    // Idle pool threads are unref'd: the child exits once the break has closed the epoch. A
    // ref'd thread would hold it until the pool's idle timeout (30 s): a yes/no told apart by
    // the time from the break to the exit (startup excluded), not a speed measurement.
    assert.ok(Number(ms) < 15_000, `the process exited ${ms} ms after the break`);
  });

  test('a consumer waiting on the last ranges holds the process open (many short epochs in a child)', () => {
    // The readers post each range on a port; a port held only while the consumer waits keeps
    // the process up for the message in flight, where an unheld one let it exit mid-epoch.
    const file = writeCsv('a,b\n' + Array.from({ length: 20_000 }, (_, i) => `${i},${i % 7}`).join('\n') + '\n');
    const script = [
      `import { csvParallel } from ${JSON.stringify(new URL('../../src/csv/parallel.ts', import.meta.url).href)};`,
      `let total = 0;`,
      `for (let e = 0; e < 100; e++) for await (const c of csvParallel(${JSON.stringify(file)}, { columns: { a: 'int32', b: 'int32' }, workers: 2, rangeBytes: 8 << 10 }).chunks()) total += c.size;`,
      `console.log('read', total);`,
    ].join('\n');
    const scriptFile = path.join(dir, 'epochs.mjs');
    fs.writeFileSync(scriptFile, script);
    const child = spawnSync(process.execPath, ['--import', 'tsx', scriptFile], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /read 2000000/);
  });

});
