// Each architecture rule fails on a generated tree that breaks it, and passes the forms it
// must let through (type-only imports, a documented hot loop), so tree.test.ts's green means
// something.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import {
  boundaryViolations,
  danglingUrls,
  findCycles,
  importedWorkerEntries,
  importGraph,
  loadedWith,
  longFiles,
  longFunctions,
  runtimeImports,
  unresolvedImports,
} from './rules.js';

const scratch = mkdtempSync(join(tmpdir(), 'sluice-arch-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let trees = 0;

/** A tree of files (path → text) under a fresh root; returns [root, root/src]. */
function tree(files: Record<string, string>): [string, string] {
  const root = join(scratch, `t${trees++}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return [root, join(root, 'src')];
}

const cyclesOf = (files: Record<string, string>): string[] => {
  const [root, src] = tree(files);
  return findCycles(importGraph(src), root);
};

test('a static cycle, a cycle through import(), through a re-export, or through a const specifier is found', () => {
  assert.deepEqual(cyclesOf({ 'src/a.ts': "import { b } from './b.js';\nexport const a = b;", 'src/b.ts': "import { a } from './a.js';\nexport const b = () => a;" }), [
    'src/a.ts → src/b.ts → src/a.ts',
  ]);
  assert.equal(cyclesOf({ 'src/a.ts': "export const a = () => import('./d/b.js');", 'src/d/b.ts': "import '../a.js';" }).length, 1);
  assert.equal(cyclesOf({ 'src/a.ts': "export * from './b.js';\nexport const a = 1;", 'src/b.ts': "export { a as c } from './a.js';" }).length, 1);
  assert.equal(cyclesOf({ 'src/a.ts': "const m = './b.js';\nexport const a = () => import(m);", 'src/b.ts': "import './a.js';" }).length, 1);
  assert.equal(cyclesOf({ 'src/a.ts': "import x, { type B } from './b.js';\nexport const a = x as B;", 'src/b.ts': "import { a } from './a.js';\nexport type B = 1;\nexport default a;" }).length, 1);
});

test('type-only imports and re-exports are not edges: a cycle through them is no cycle', () => {
  const b = "import { a } from './a.js';\nexport const b = a;\nexport interface B { x: 1 }";
  for (const a of [
    "import type { B } from './b.js';\nexport const a = 1 as unknown as B;",
    "import { type B } from './b.js';\nexport const a = 1 as unknown as B;",
    "export type { B } from './b.js';\nexport const a = 1;",
    "export { type B } from './b.js';\nexport const a = 1;",
    "export const a = 1;\nexport type T = typeof import('./b.js');",
  ]) {
    assert.deepEqual(cyclesOf({ 'src/a.ts': a, 'src/b.ts': b }), [], a);
  }
});

test('an import() whose specifier cannot be known is reported, and an import of a missing file is unresolved', () => {
  const [root, src] = tree({ 'src/a.ts': "export const load = (u: string) => import(u);\nexport const b = () => import('./gone.js');" });
  assert.deepEqual(runtimeImports(join(src, 'a.ts')).computed, ['1: import(u)']);
  assert.deepEqual(unresolvedImports(importGraph(src), root), ['src/a.ts → src/gone.ts']);
});

test('imports out of src/ and @tensorflow outside src/tf/ are boundary violations (a const specifier too)', () => {
  const [root, src] = tree({
    'src/a.ts': "import { x } from '../cli/x.js';\nexport const a = x;",
    'src/b.ts': "const tf = '@tensorflow/tfjs';\nexport const b = () => import(tf);",
    'src/tf/c.ts': "import * as tf from '@tensorflow/tfjs';\nexport const c = tf;",
    'cli/x.ts': 'export const x = 1;',
  });
  assert.deepEqual(boundaryViolations(src, root), ['src/a.ts → ../cli/x.js', 'src/b.ts → @tensorflow/tfjs']);
});

test('a worker entry imported at run time, and a URL that names no file, are found', () => {
  const [root, src] = tree({
    'src/workers/x-worker.ts': 'export default 1;',
    'src/workers/y-worker.ts': 'export default 2;',
    'src/a.ts': "import w from './workers/x-worker.js';\nexport const a = w;",
    'src/b.ts': [
      "import type Y from './workers/y-worker.js';",
      "export const ok = new URL('./workers/y-worker.js', import.meta.url);",
      "export const gone = new URL('./workers/z-worker.js', import.meta.url);",
      "// new URL('./in-a-comment.js', import.meta.url) is not code",
      "declare function workerUrl(name: string): string;",
      "export const w = [workerUrl('x-worker'), workerUrl('q-worker')];",
      'export type T = Y;',
    ].join('\n'),
  });
  const graph = importGraph(src);
  assert.deepEqual(importedWorkerEntries(graph, src, root), ['src/a.ts → src/workers/x-worker.ts']);
  assert.deepEqual(danglingUrls(src, root), [
    "src/b.ts: new URL('./workers/z-worker.js', import.meta.url)",
    "src/b.ts: workerUrl('q-worker')",
  ]);
});

test('a file over 300 lines and a function over 80 lines are found; a documented hot loop is not', () => {
  const body = (n: number): string => Array.from({ length: n }, (_, i) => `  x += ${i};`).join('\n');
  const [longRoot, longSrc] = tree({ 'src/long.ts': 'export const x = 1;\n'.repeat(300), 'src/fits.ts': 'export const x = 1;\n'.repeat(299) });
  assert.deepEqual(longFiles(longSrc, longRoot), [['src/long.ts', 301]]);
  const [root, src] = tree({
    'src/fns.ts': [
      `export function long(): number {\n  let x = 0;\n${body(77)}\n  return x;\n}`, // 81 lines
      `export function fits(): number {\n  let x = 0;\n${body(76)}\n  return x;\n}`, // 80 lines
      `/** The hot loop of the decoder: one call a row. */\nexport function hot(): number {\n  let x = 0;\n${body(90)}\n  return x;\n}`,
      `export class C {\n  method(): number {\n    let x = 0;\n${body(80)}\n    return x;\n  }\n}`,
      `export const arrow = (): number => {\n  let x = 0;\n${body(80)}\n  return x;\n};`,
    ].join('\n'),
  });
  assert.deepEqual(longFunctions(src, root), ['src/fns.ts:1 (81 lines)', 'src/fns.ts:258 (84 lines)', 'src/fns.ts:343 (84 lines)']);
});

test('loadedWith follows static imports and re-exports, not import() nor type-only imports', () => {
  const [root, src] = tree({
    'src/a.ts': "import { b } from './b.js';\nimport type { T } from './t.js';\nexport const a = async () => (await import('./c.js')).c + b;\n",
    'src/b.ts': "export { d as b } from './d.js';\n",
    'src/c.ts': 'export const c = 1;\n',
    'src/d.ts': 'export const d = 2;\n',
    'src/t.ts': 'export type T = number;\n',
  });
  const loaded = [...loadedWith(join(src, 'a.ts'))].map((f) => f.slice(root.length + 1)).sort();
  assert.deepEqual(loaded, ['src/a.ts', 'src/b.ts', 'src/d.ts']);
});
