// The backend's process-level behaviour, in child processes (so a slow test: npm run test:slow).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

test('after wasm loads, an uncaught error prints its own message and exit code (no handlers left behind)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-wasm-'));
  const index = new URL('../../src/index.ts', import.meta.url).href;
  const run = (body: string) => {
    const script = path.join(dir, `s${Math.random().toString(36).slice(2)}.mts`);
    fs.writeFileSync(script, `import { useBackend, readBytes } from '${index}';\nconst before = process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection');\nawait useBackend('wasm');\nconsole.log('listeners', before, process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection'));\n${body}\n`);
    return new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' }, (error, out, err) => resolve({ code: error === null ? 0 : Number(error.code), out, err }));
    });
  };
  const thrown = await run(`for await (const _ of readBytes('${path.join(dir, 'missing.csv')}')) {}`);
  assert.match(thrown.out, /listeners 0 0/);
  assert.equal(thrown.code, 1);
  assert.match(thrown.err, /missing\.csv/);
  assert.ok(thrown.err.length < 4000, `stderr is ${thrown.err.length} characters`);
  assert.doesNotMatch(thrown.err, /WasmBackendModule|emscripten/i);
  const rejected = await run(`void Promise.reject(new Error('rejected on purpose'));`);
  assert.equal(rejected.code, 1);
  assert.match(rejected.err, /rejected on purpose/);
  assert.ok(rejected.err.length < 4000, `stderr is ${rejected.err.length} characters`);
  const exits = await run(`process.exitCode = 3;`);
  assert.equal(exits.code, 3);
  fs.rmSync(dir, { recursive: true, force: true });
});
