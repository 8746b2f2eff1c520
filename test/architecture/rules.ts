// The architecture rules as functions of a tree, so that tree.test.ts applies them to src/
// and rules.test.ts shows, on generated trees, that each of them fails when it should.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Most lines a file of src/ may have. */
export const MAX_FILE_LINES = 300;
/** Most lines a function may have, unless the comment right before it says "hot loop" (and why). */
export const MAX_FUNCTION_LINES = 80;

/** Every .ts file below `dir`. */
export function listTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listTs(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

const parse = (file: string): ts.SourceFile => ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);

/** What a file imports at run time: resolved specifiers, and the import() calls whose specifier it cannot know. */
export interface FileImports {
  specifiers: string[];
  /** The specifiers loaded with the file (static imports and re-exports; not import()). */
  loadedWith: string[];
  /** `line: text` of each import() whose argument is not a string (nor a const bound to one). */
  computed: string[];
}

/**
 * Every module specifier a file names at run time: static imports and re-exports that are not
 * type-only (`import type`, `import { type A }`, `export type … from`, `export { type A } from`
 * name nothing at run time), side-effect imports, and import() — with a literal, or with a
 * const bound to a literal in the same file (`const name = 'pkg'; await import(name)`).
 */
export function runtimeImports(file: string): FileImports {
  const source = parse(file);
  const consts = new Map<string, string>();
  const specifiers: string[] = [];
  const loadedWith: string[] = [];
  const computed: string[] = [];
  const collectConsts = (node: ts.Node): void => {
    if (ts.isVariableDeclarationList(node) && (node.flags & ts.NodeFlags.Const) !== 0) {
      for (const d of node.declarations) {
        if (ts.isIdentifier(d.name) && d.initializer !== undefined && ts.isStringLiteralLike(d.initializer)) consts.set(d.name.text, d.initializer.text);
      }
    }
    ts.forEachChild(node, collectConsts);
  };
  collectConsts(source);
  const allTypes = (elements: ts.NodeArray<ts.ImportSpecifier | ts.ExportSpecifier>): boolean => elements.length > 0 && elements.every((e) => e.isTypeOnly);
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const typeOnly = clause !== undefined && (clause.isTypeOnly || (clause.name === undefined && named !== undefined && ts.isNamedImports(named) && allTypes(named.elements)));
      if (!typeOnly) loadedWith.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
      const clause = node.exportClause;
      const typeOnly = node.isTypeOnly || (clause !== undefined && ts.isNamedExports(clause) && allTypes(clause.elements));
      if (!typeOnly) loadedWith.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      const known = arg === undefined ? undefined : ts.isStringLiteralLike(arg) ? arg.text : ts.isIdentifier(arg) ? consts.get(arg.text) : undefined;
      if (known !== undefined) specifiers.push(known);
      else computed.push(`${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}: ${node.getText(source)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { specifiers: [...loadedWith, ...specifiers], loadedWith, computed };
}

/** The local files loading `entry` loads before any of its code runs (static imports only, followed through), `entry` included. */
export function loadedWith(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of runtimeImports(file).loadedWith) if (spec.startsWith('.')) visit(resolveLocal(file, spec));
  };
  visit(entry);
  return seen;
}

/** The file a relative specifier names (the .ts source of a .js specifier). */
export const resolveLocal = (from: string, spec: string): string => resolve(dirname(from), spec).replace(/\.js$/, '.ts');

/** The import graph of the files under `dir`: file → the local files it imports at run time. */
export function importGraph(dir: string): Map<string, string[]> {
  return new Map(listTs(dir).map((f) => [f, runtimeImports(f).specifiers.filter((s) => s.startsWith('.')).map((s) => resolveLocal(f, s))]));
}

/** Every cycle of the graph, each as `a → b → … → a` (paths relative to `root`). */
export function findCycles(graph: Map<string, string[]>, root: string): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const walk = (file: string, path: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(root, f)).join(' → '));
      return;
    }
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) walk(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const f of graph.keys()) walk(f, []);
  return cycles;
}

/** Relative imports that name no file of the tree (a misspelt or unresolved edge would hide from the cycle check). */
export function unresolvedImports(graph: Map<string, string[]>, root: string): string[] {
  return [...graph].flatMap(([f, targets]) => targets.filter((t) => !graph.has(t)).map((t) => `${relative(root, f)} → ${relative(root, t)}`));
}

/** Imports that leave `dir` (a relative path outside it), and @tensorflow/* imports outside `dir`/tf/. */
export function boundaryViolations(dir: string, root: string): string[] {
  const bad: string[] = [];
  for (const f of listTs(dir)) {
    for (const spec of runtimeImports(f).specifiers) {
      if (spec.startsWith('.') && !resolveLocal(f, spec).startsWith(dir + '/')) bad.push(`${relative(root, f)} → ${spec}`);
      if (spec.startsWith('@tensorflow/') && !f.startsWith(join(dir, 'tf') + '/')) bad.push(`${relative(root, f)} → ${spec}`);
    }
  }
  return bad;
}

/** Worker entry points (`dir`/workers/*-worker.ts) that some file imports at run time. */
export function importedWorkerEntries(graph: Map<string, string[]>, dir: string, root: string): string[] {
  const entries = [...graph.keys()].filter((f) => f.startsWith(join(dir, 'workers') + '/') && f.endsWith('-worker.ts'));
  return [...graph].flatMap(([f, targets]) => targets.filter((t) => entries.includes(t)).map((t) => `${relative(root, f)} → ${relative(root, t)}`));
}

/**
 * `new URL('./…', import.meta.url)` and `workerUrl('name')` references in code (not in
 * comments) that name no file: a worker or asset loaded by URL is outside the import graph,
 * so this is the check that it exists.
 */
export function danglingUrls(dir: string, root: string): string[] {
  const bad: string[] = [];
  for (const f of listTs(dir)) {
    const source = parse(f);
    const visit = (node: ts.Node): void => {
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'URL') {
        const [spec, base] = node.arguments ?? [];
        if (spec !== undefined && ts.isStringLiteralLike(spec) && spec.text.startsWith('.') && base?.getText(source) === 'import.meta.url') {
          if (!existsSync(resolveLocal(f, spec.text)) && !existsSync(resolve(dirname(f), spec.text))) bad.push(`${relative(root, f)}: ${node.getText(source)}`);
        }
      }
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'workerUrl') {
        const arg = node.arguments[0];
        if (arg !== undefined && ts.isStringLiteralLike(arg) && !existsSync(join(dir, 'workers', `${arg.text}.ts`))) bad.push(`${relative(root, f)}: ${node.getText(source)}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return bad;
}

/** Files over MAX_FILE_LINES lines, as [path, lines]. */
export function longFiles(dir: string, root: string): (readonly [string, number])[] {
  return listTs(dir).map((f) => [relative(root, f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > MAX_FILE_LINES);
}

/** Functions (declarations, methods, arrows, accessors) over MAX_FUNCTION_LINES lines without a "hot loop" comment right before them. */
export function longFunctions(dir: string, root: string): string[] {
  const long: string[] = [];
  for (const f of listTs(dir)) {
    const text = readFileSync(f, 'utf8');
    const source = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
        const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        const leading = text.slice(Math.max(0, node.getFullStart() - 1), node.getStart(source));
        if (end - start + 1 > MAX_FUNCTION_LINES && !/hot loop/i.test(leading)) long.push(`${relative(root, f)}:${start + 1} (${end - start + 1} lines)`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return long;
}
