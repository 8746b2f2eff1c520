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
