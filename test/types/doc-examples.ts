// Compiles every README ```ts block and every @example in src/ (`npm run typecheck` runs
// this after tsc). Each becomes a module under .cache/doc-examples/: README blocks as
// written; an @example with the public names it does not import itself imported from
// 'sluice' (docs leave them out), and the free names docs use (`model`, `columns`, `ds`…)
// declared in globals.d.ts below. `from 'sluice'` resolves to src/. A block that fails
// prints its origin (file:line) with tsc's message.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '../..');
const out = join(root, '.cache', 'doc-examples');

export interface DocExample {
  /** Where it comes from: `README.md:12` or `src/csv/reader.ts:81`. */
  origin: string;
  code: string;
  /** README blocks are whole modules; @examples get the public names imported. */
  kind: 'readme' | 'example';
}

/** Every ```ts block of README.md. */
export function readmeBlocks(text: string): DocExample[] {
  const found: DocExample[] = [];
  for (const m of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const line = text.slice(0, m.index).split('\n').length + 1;
    found.push({ origin: `README.md:${line}`, code: m[1]!, kind: 'readme' });
  }
  return found;
}

/** Every @example of the doc comments in `text` (up to the next tag or the comment's end). */
export function jsdocExamples(file: string, text: string): DocExample[] {
  const found: DocExample[] = [];
  for (const c of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const lines = c[0].split('\n').map((l) => l.replace(/^\s*\/?\*+\/?\s?/, '').replace(/\s*\*\/$/, ''));
    const startLine = text.slice(0, c.index).split('\n').length;
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i]!.startsWith('@example')) continue;
      const body: string[] = [];
      for (let k = i + 1; k < lines.length && !lines[k]!.startsWith('@'); k++) body.push(lines[k]!);
      found.push({ origin: `${file}:${startLine + i}`, code: body.join('\n').trim() + '\n', kind: 'example' });
    }
  }
  return found;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The names each module exports (values and types), read by the compiler: `src/index.ts` → names. */
function exportsOf(files: readonly string[]): Map<string, string[]> {
  const program = ts.createProgram(files.map((f) => join(root, f)), { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const out = new Map<string, string[]>();
  for (const f of files) {
    const symbol = checker.getSymbolAtLocation(program.getSourceFile(join(root, f))!);
    out.set(f, symbol === undefined ? [] : checker.getExportsOfModule(symbol).map((s) => s.name));
  }
  return out;
}

const GLOBALS = `// Free names that doc examples use without declaring them.
import type * as tf from '@tensorflow/tfjs';
import type { ColumnBatch, Dataset, EpochState, Sequence } from 'sluice';
declare global {
  const columns: { readonly userId: 'int32'; readonly movieId: 'int32'; readonly rating: 'float32' };
  const model: tf.LayersModel;
  const ds: Dataset<ColumnBatch<{ userId: number; movieId: number; rating: number }, { userId: Int32Array; movieId: Int32Array; rating: Float32Array }>>;
  const files: string[];
  const saved: string | null;
  const file: string;
  const url: string;
  let total: number;
  function train(batch: unknown): void;
  function save(state: string): void;
  const state: EpochState;
  const table: { userId: Int32Array; movieId: Int32Array; rating: Float32Array };
  class RatingsGenerator extends Sequence<{ xs: Int32Array[]; ys: Float32Array }> {
    constructor(table: unknown, batchSize: number);
    get length(): number;
    getItem(index: number): { xs: Int32Array[]; ys: Float32Array };
  }
}
export {};
`;

function moduleFor(example: DocExample, publicNames: readonly string[], moduleNames: readonly string[]): string {
  if (example.kind === 'readme') return example.code;
  const own = new Set<string>();
  for (const m of example.code.matchAll(/import\s*(?:\*\s*as\s+(\w+)|\{([^}]*)\})\s*from/g)) {
    if (m[1] !== undefined) own.add(m[1]);
    for (const n of (m[2] ?? '').split(',')) own.add(n.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()!);
  }
  const uses = (n: string) => !own.has(n) && new RegExp(`\\b${n}\\b`).test(example.code);
  const fromPublic = publicNames.filter(uses);
  // Names of the example's own module that are not public (internal helpers documented there).
  const fromModule = moduleNames.filter((n) => !publicNames.includes(n) && uses(n));
  const file = example.origin.replace(/:\d+$/, '');
  let header = fromPublic.length > 0 ? `import { ${fromPublic.join(', ')} } from 'sluice';\n` : '';
  if (fromModule.length > 0) header += `import { ${fromModule.join(', ')} } from '${relative(out, join(root, file)).replace(/\.ts$/, '.js')}';\n`;
  return `${header}${example.code}\nexport {};\n`;
}

/** Writes the examples as modules and compiles them; returns tsc's messages (empty when all compile). */
export function checkExamples(examples: readonly DocExample[]): string[] {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const sources = [...new Set(examples.filter((e) => e.kind === 'example').map((e) => e.origin.replace(/:\d+$/, '')))];
  const names = exportsOf(['src/index.ts', ...sources]);
  const files: string[] = [];
  const origins = new Map<string, string>();
  examples.forEach((e, i) => {
    const f = join(out, `example-${String(i + 1).padStart(3, '0')}.ts`);
    writeFileSync(f, moduleFor(e, names.get('src/index.ts')!, names.get(e.origin.replace(/:\d+$/, '')) ?? []));
    files.push(f);
    origins.set(f, e.origin);
  });
  writeFileSync(join(out, 'globals.d.ts'), GLOBALS);
  files.push(join(out, 'globals.d.ts'));
  const src = (p: string) => [join(root, p)];
  // paths are absolute, so no baseUrl (deprecated in TypeScript 6).
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: ['node'],
    typeRoots: [join(root, 'node_modules', '@types')],
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    noEmit: true,
    paths: { sluice: src('src/index.ts'), 'sluice/core': src('src/core.ts'), 'sluice/tf': src('src/tf/index.ts'), 'sluice/movielens': src('pipelines/movielens/index.ts') },
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file === undefined || d.file.fileName.startsWith(out));
  return diagnostics.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file === undefined) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    const origin = origins.get(d.file.fileName) ?? relative(root, d.file.fileName);
    return `${origin} (${relative(root, d.file.fileName)}:${line + 1}): ${text}`;
  });
}

/** README blocks and the @examples of src/. */
export function allExamples(): DocExample[] {
  const found = readmeBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
  for (const f of tsFiles(join(root, 'src')).sort()) found.push(...jsdocExamples(relative(root, f), readFileSync(f, 'utf8')));
  return found;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const examples = allExamples();
  const errors = checkExamples(examples);
  for (const e of errors) console.error(e);
  console.log(`doc examples: ${examples.length} compiled, ${errors.length} error(s)`);
  process.exitCode = errors.length > 0 ? 1 : 0;
}
