#!/usr/bin/env node
// The `sluice` command. The compiled CLI lives in dist/ (built by `npm run build`, and
// by `npm pack` before packing); from a clone without dist/, say so instead of failing.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('sluice: dist/ is not built. In a clone: `npm run build` once, or run from sources with `npm run sluice -- <command> …`\n');
  process.exitCode = 1;
} else {
  process.exitCode = await (await import(main.href)).main(process.argv.slice(2));
}
