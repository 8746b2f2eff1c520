// background() where a worker thread starts per case (seconds each under tsx) or a process
// of its own is needed (does it exit by itself?): a slow test file (npm run test:slow).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { background } from '../../src/sources/background.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const index = JSON.stringify(fileURLToPath(new URL('../../src/index.ts', import.meta.url)));
fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
const pipelineFile = path.join(dir, 'pipeline.ts');
fs.writeFileSync(
  pipelineFile,
  `import { range } from ${index};
export default (n: number) => range(n).map((x) => ({ id: x, sq: x * x })).shuffle(100, { seed: 1 });
export const exiting = () => range(1000).map((x) => { if (x === 500) process.exit(7); return x; });
export const notDataset = 42;
`,
);
const pipeline = pathToFileURL(pipelineFile);

describe('background (slow cases)', () => {
  test('a worker that exits rejects the consumer (no hang)', async () => {
    await assert.rejects(background(pipeline, { exportName: 'exiting' }).toArray(), /exited with code:? 7/);
  });

  test('a bad export is reported', async () => {
    await assert.rejects(background(pipeline, { exportName: 'notDataset' }).toArray(), /not a Dataset or a function returning one/);
  });

  test('early break closes the epoch; the next epoch reuses the thread; the process can exit, even with an epoch abandoned', () => {
    const script = path.join(dir, 'break.ts');
    fs.writeFileSync(
      script,
      `import { background } from ${JSON.stringify(fileURLToPath(new URL('../../src/sources/background.ts', import.meta.url)))};
const ds = background(${JSON.stringify(pipeline.href)}, { args: [100000], depth: 2 });
let n = 0;
for await (const _ of ds) if (++n === 10) break;
const again = await ds.take(5).toArray();
// An epoch left without return() (as a consumer that stops pulling): the idle thread must not hold the process.
const abandoned = ds[Symbol.asyncIterator]();
await abandoned.next();
console.log('ok', n, again.length);
`,
    );
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(child.signal, null, 'the process did not exit by itself');
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /ok 10 5/);
  });

});
