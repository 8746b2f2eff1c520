// The doc-example extractor finds every block (the compile itself runs in `npm run typecheck`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allExamples, jsdocExamples, readmeBlocks } from './doc-examples.js';

test('@examples end at the next tag or the end of the comment, with their origin line', () => {
  const text = ['// x', '/**', ' * Doc.', ' * @example', ' * const a = 1;', ' * a + 1;', ' * @returns n', ' */', '/** @example', ' * f() */'].join('\n');
  const found = jsdocExamples('src/x.ts', text);
  assert.deepEqual(found.map((e) => [e.origin, e.code]), [
    ['src/x.ts:4', 'const a = 1;\na + 1;\n'],
    ['src/x.ts:9', 'f()\n'],
  ]);
});

test('README ts blocks are found with their line', () => {
  const found = readmeBlocks('# t\n\n```ts\nconst a = 1;\n```\n\n```sh\nls\n```\n```ts\nb();\n```\n');
  assert.deepEqual(found.map((e) => [e.origin, e.code]), [['README.md:4', 'const a = 1;\n'], ['README.md:11', 'b();\n']]);
});

test('the repository has README blocks and @examples to compile', () => {
  const all = allExamples();
  assert.ok(all.filter((e) => e.kind === 'readme').length >= 5);
  assert.ok(all.filter((e) => e.kind === 'example').length >= 20);
});
