import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '../../src/tf/tf.js';
import { useBackend } from '../../src/tf/index.js';
import { OptionError } from '../../src/errors.js';

/** Runs fn while collecting what is printed through console (how tfjs prints). */
async function quietly<T>(fn: () => Promise<T>): Promise<{ value: T; printed: string }> {
  let printed = '';
  const saved = { warn: console.warn, log: console.log, info: console.info };
  console.warn = console.log = console.info = (...a: unknown[]) => void (printed += a.join(' '));
  try {
    return { value: await fn(), printed };
  } finally {
    Object.assign(console, saved);
  }
}

test('cpu runs and prints no banner', async () => {
  const { value, printed } = await quietly(async () => {
    const name = await useBackend('cpu');
    tf.square(tf.tensor1d([1, 2, 3])).dataSync();
    return name;
  });
  assert.equal(value, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal(printed, '');
});

test('wasm runs on Node (wasm files found in node_modules)', async () => {
  const { value, printed } = await quietly(() => useBackend('wasm'));
  assert.equal(value, 'wasm');
  assert.deepEqual(Array.from(tf.square(tf.tensor1d([1, 2, 3])).dataSync()), [1, 4, 9]);
  assert.equal(printed, '');
});

test('auto falls back to what runs (no tfjs-node here → wasm)', async () => {
  const { value, printed } = await quietly(() => useBackend('auto'));
  assert.ok(['node', 'wasm'].includes(value), value);
  assert.equal(tf.getBackend(), value === 'node' ? 'tensorflow' : 'wasm');
  assert.equal(printed, '');
});

test('a bad name is an OptionError naming the choices', async () => {
  await assert.rejects(useBackend('gpu' as 'cpu'), (e: unknown) => e instanceof OptionError && /auto, node, wasm, cpu/.test(e.message));
});

test('after wasm loads, an uncaught error prints its own message and exit code (no handlers left behind)', async () => {
  const { execFile } = await import('node:child_process');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
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
});
