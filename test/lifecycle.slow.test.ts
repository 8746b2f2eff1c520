// The lifecycle cases that need a process of their own (does it exit by itself?): a slow
// test file, run by `npm run test:slow`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-life-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const index = JSON.stringify(new URL('../src/index.ts', import.meta.url).pathname);
fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
const pipelineFile = path.join(dir, 'stuck.ts');
fs.writeFileSync(
  pipelineFile,
  `import { fromIterable } from ${index};
// Never yields: a pipeline that is stuck.
export const stuck = () => fromIterable(async function* () { await new Promise(() => { setInterval(() => {}, 1000); }); yield 0; });
`,
);
const pipeline = pathToFileURL(pipelineFile);

describe('abort', () => {
  test('background(): a stuck pipeline, aborted: the consumer rejects, the worker thread ends, the process exits by itself', () => {
    const script = path.join(dir, 'stuck.mjs');
    fs.writeFileSync(
      script,
      `import { background } from ${JSON.stringify(new URL('../src/sources/background.ts', import.meta.url).href)};
const ac = new AbortController();
const pending = background(${JSON.stringify(pipeline.href)}, { exportName: 'stuck' }).toArray({ signal: ac.signal });
setTimeout(() => ac.abort(new Error('enough')), 300);
await pending.then(() => console.log('resolved'), (e) => console.log('rejected', e.name, e.cause?.message));
`,
    );
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(child.signal, null, 'the process did not exit by itself');
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /rejected AbortError enough/);
  });
});

