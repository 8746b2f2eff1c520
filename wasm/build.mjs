// Builds the CSV decode kernel (wasm/csv-decode.ts → src/csv/csv-decode.wasm) with
// AssemblyScript, unless the built file is newer than its source and this script. Run by
// `npm run build:wasm`, which `npm test`, `npm run test:slow` and `npm run build` run first.
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('./csv-decode.ts', import.meta.url));
const output = fileURLToPath(new URL('../src/csv/csv-decode.wasm', import.meta.url));
const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};
if (process.argv.includes('--force') || mtime(output) < Math.max(mtime(source), mtime(fileURLToPath(import.meta.url)))) {
  const asc = await import('assemblyscript/asc');
  const { error, stderr } = await asc.main([source, '-O3', '--runtime', 'stub', '--enable', 'simd', '--noAssert', '--outFile', output]);
  if (error) {
    process.stderr.write(`${stderr.toString()}\n`);
    throw error;
  }
}
