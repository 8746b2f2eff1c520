// README examples are run, so they cannot rot. Every ```ts block runs as a module in a fresh
// directory under .cache/ (inside the repo, so node_modules resolve) holding a small
// generated `ratings.csv`; `from 'sluice'` resolves to src/. A block whose first line is
// `// NAME.ts — …` is written as NAME.ts (another block may import it), and runs too.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const run = promisify(execFile);

mkdirSync(join(root, '.cache'), { recursive: true });
const dir = mkdtempSync(join(root, '.cache', 'readme-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// A small MovieLens-format file for the examples: userId,movieId,rating,timestamp; movie
// ids up to 6709, as in `sluice gen --rows 1000000` output (an example that sizes its
// tables by hand, not from the data, fails on it).
const rows = ['userId,movieId,rating,timestamp'];
for (let i = 0; i < 5000; i++) rows.push(`${1 + (i % 97)},${1 + ((i * 7919) % 6709)},${1 + (i % 9) / 2},${964982703 + i}`);
writeFileSync(join(dir, 'ratings.csv'), rows.join('\n') + '\n');

const imports: Record<string, string> = {
  sluice: pathToFileURL(join(root, 'src/index.ts')).href,
  'sluice/core': pathToFileURL(join(root, 'src/core.ts')).href,
  'sluice/tf': pathToFileURL(join(root, 'src/tf/index.ts')).href,
  'sluice/movielens': pathToFileURL(join(root, 'pipelines/movielens/index.ts')).href,
};

test('the README has examples', () => assert.ok(blocks.length >= 3, `found ${blocks.length}`));

/** `pipeline.ts` for a block that starts `// pipeline.ts — …`. */
function fileName(code: string): string | undefined {
  return /^\/\/ ([\w-]+\.ts) —/.exec(code)?.[1];
}

// Named blocks first, so an example that imports one finds it written.
for (const code of blocks) {
  const name = fileName(code);
  if (name !== undefined) writeFileSync(join(dir, name), code.replace(/from '(sluice(?:\/\w+)?)'/g, (m, n: string) => (imports[n] ? `from '${imports[n]}'` : m)));
}

blocks.forEach((code, i) => {
  const title = code.split('\n').find((l) => l.startsWith('//'))?.slice(2).trim() ?? `block ${i + 1}`;
  test(`README example ${i + 1}: ${title}`, { timeout: 120_000 }, async () => {
    const source = code.replace(/from '(sluice(?:\/\w+)?)'/g, (m, name: string) => (imports[name] ? `from '${imports[name]}'` : m));
    const file = join(dir, fileName(code) ?? `example-${i + 1}.ts`);
    writeFileSync(file, source);
    const { stderr } = await run(process.execPath, ['--import', 'tsx', file], { cwd: dir, timeout: 110_000 });
    assert.doesNotMatch(stderr, /Error/);
  });
});
