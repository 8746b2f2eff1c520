// The architecture as a test: the import graph of src/ has no cycle (static or dynamic
// imports alike), src/ never reaches into cli/, bench/ or pipelines/, only src/tf/ imports
// TensorFlow.js, worker entry points are loaded by URL only (and every URL names a file),
// and files and functions stay short enough to read. The rules are in rules.ts;
// rules.test.ts shows on generated trees that each of them fails when it should.
import assert from 'node:assert/strict';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import {
  boundaryViolations,
  danglingUrls,
  findCycles,
  importedWorkerEntries,
  importGraph,
  loadedWith,
  listTs,
  longFiles,
  longFunctions,
  runtimeImports,
  unresolvedImports,
} from './rules.js';

const root = resolve(import.meta.dirname, '../..');
const srcDir = join(root, 'src');
const graph = importGraph(srcDir);

/**
 * import() calls in src/ whose specifier is computed, so the cycle check cannot follow
 * them: each must load something that is not a module of src/ (say what, here).
 */
const COMPUTED_IMPORTS: Record<string, string> = {
  'src/workers/load.ts': "a user's module URL (mapParallel's, background's), in a worker",
};

test('src/ has no import cycle, static or dynamic', () => {
  assert.ok(graph.size > 50 && [...graph.values()].some((t) => t.length > 0), 'the graph is read');
  assert.deepEqual(findCycles(graph, root), []);
});

test('every relative import in src/ names a file of src/, and every computed import() is accounted for', () => {
  assert.deepEqual(unresolvedImports(graph, root), []);
  const computed = listTs(srcDir).flatMap((f) => runtimeImports(f).computed.map((c) => [relative(root, f), c] as const));
  assert.deepEqual(computed.map(([f]) => f).filter((f) => COMPUTED_IMPORTS[f] === undefined), [], `computed import() calls: ${computed.join('; ')}`);
});

test('src/ imports nothing from cli/, bench/ or pipelines/, and only src/tf/ imports TensorFlow.js', () => {
  assert.deepEqual(boundaryViolations(srcDir, root), []);
});

test('worker entry points are loaded by URL, never imported at run time, and every URL names a file', () => {
  const entries = [...graph.keys()].filter((f) => /src\/workers\/[^/]+-worker\.ts$/.test(f));
  assert.ok(entries.length >= 3, 'the worker entry points are found');
  assert.deepEqual(importedWorkerEntries(graph, srcDir, root), []);
  assert.deepEqual(danglingUrls(srcDir, root), []);
});

test('fast-csv is loaded on first use (records.ts requires it): no module of src/ imports it, so a worker decoding numeric blocks never loads it', () => {
  const importing = listTs(srcDir).filter((f) => runtimeImports(f).specifiers.some((s) => s.startsWith('@fast-csv/')));
  assert.deepEqual(importing.map((f) => relative(root, f)), []);
});

test("the csv worker starts without the Dataset API or the general engine: csv() is imported on first use (a worker that decodes numeric blocks never needs it), so each thread boots faster", () => {
  const loaded = [...loadedWith(join(srcDir, 'workers', 'csv-worker.ts'))].map((f) => relative(root, f));
  assert.ok(loaded.includes('src/csv/fast.ts') && loaded.includes('src/shuffle/claims.ts'), `the worker's own modules are found: ${loaded.join(', ')}`);
  const heavy = ['src/dataset.ts', 'src/csv/reader.ts', 'src/csv/general.ts', 'src/csv/records.ts', 'src/stages/map-parallel.ts', 'src/csv/parts-reader.ts', 'src/io/object-store.ts', 'src/io/remote.ts'];
  assert.deepEqual(loaded.filter((f) => heavy.includes(f)), []);
});

test('no file in src/ is over 300 lines', () => {
  assert.deepEqual(longFiles(srcDir, root), []);
});

test('no function in src/ is over 80 lines, outside a documented hot loop', () => {
  assert.deepEqual(longFunctions(srcDir, root), []);
});

test('the MovieLens pipeline and `sluice train` keep to 80 lines a function too (named steps, not one long body)', () => {
  const long = [...longFunctions(join(root, 'pipelines', 'movielens'), root), ...longFunctions(join(root, 'cli'), root).filter((f) => f.startsWith('cli/train'))];
  assert.deepEqual(long, []);
});
