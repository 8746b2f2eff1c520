// The architecture as a test: the import graph of src/ has no cycle (static or dynamic
// imports alike), src/ never reaches into cli/, bench/ or pipelines/, only src/tf/ imports
// TensorFlow.js, worker entry points are loaded by URL only, and files and functions stay
// short enough to read.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '../..');
const srcDir = join(root, 'src');

function listTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listTs(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

const files = listTs(srcDir);

/** Every module specifier a file names at run time: static imports and exports that are not type-only, and import(). */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const specs: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly) {
      const named = node.importClause?.namedBindings;
      const allTypes = node.importClause !== undefined && node.importClause.name === undefined && named !== undefined
        && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      if (!allTypes) specs.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && !node.isTypeOnly) {
      specs.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg !== undefined && ts.isStringLiteralLike(arg)) specs.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specs;
}

const resolveLocal = (from: string, spec: string): string => resolve(dirname(from), spec).replace(/\.js$/, '.ts');
const graph = new Map(files.map((f) => [f, runtimeImports(f).filter((s) => s.startsWith('.')).map((s) => resolveLocal(f, s))]));
const name = (f: string): string => relative(root, f);

test('src/ has no import cycle, static or dynamic', () => {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const walk = (file: string, path: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].map(name).join(' → '));
      return;
    }
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) walk(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const f of files) walk(f, []);
  assert.deepEqual(cycles, []);
});

test('src/ imports nothing from cli/, bench/ or pipelines/, and only src/tf/ imports TensorFlow.js', () => {
  const bad: string[] = [];
  for (const f of files) {
    for (const spec of runtimeImports(f)) {
      if (spec.startsWith('.') && !resolveLocal(f, spec).startsWith(srcDir + '/')) bad.push(`${name(f)} → ${spec}`);
      if (spec.startsWith('@tensorflow/') && !f.startsWith(join(srcDir, 'tf') + '/')) bad.push(`${name(f)} → ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('worker entry points are loaded by URL, never imported at run time', () => {
  const entries = files.filter((f) => /src\/workers\/[^/]+-worker\.ts$/.test(f));
  assert.ok(entries.length >= 3, 'the worker entry points are found');
  const importers = files.flatMap((f) => (graph.get(f) ?? []).filter((t) => entries.includes(t)).map((t) => `${name(f)} → ${name(t)}`));
  assert.deepEqual(importers, []);
});

test('no file in src/ is over 300 lines', () => {
  const long = files.map((f) => [name(f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 300);
  assert.deepEqual(long, []);
});

test('no function in src/ is over 80 lines, outside a documented hot loop', () => {
  const long: string[] = [];
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const source = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
        const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        const leading = text.slice(Math.max(0, node.getFullStart() - 1), node.getStart(source));
        if (end - start + 1 > 80 && !/hot loop/i.test(leading)) long.push(`${name(f)}:${start + 1} (${end - start + 1} lines)`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  assert.deepEqual(long, []);
});
