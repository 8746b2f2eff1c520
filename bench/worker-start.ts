// What a csv worker thread costs before it decodes its first block: a fresh worker thread
// imports the csv worker's entry module (what piscina does for every thread shuffledCsv and
// csvParallel start), timed inside the thread (import) and from `new Worker` to its answer
// (ready). The worker's modules are the ones the built package ships (dist/).
//   node --import tsx bench/worker-start.ts [--runs 9]
// One fresh thread per run, one after the other; reports the median and range in ms, and how
// many of sluice's modules the entry loads. Writes bench/out/worker-start.json.
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { spread } from '../cli/bench/stats.js';
import { loadedWith } from '../test/architecture/rules.js';
import { benchFlags, intFlag } from './lib/args.js';

const flags = benchFlags({ runs: '9' });
const runs = intFlag('runs', flags.runs);
const entry = new URL('../dist/src/workers/csv-worker.js', import.meta.url);
if (!fs.existsSync(entry)) throw new Error(`${fileURLToPath(entry)} is missing: run \`npm run build\` first`);

/** One fresh thread: ms to import the entry (inside it), and ms from `new Worker` to its answer. */
function once(): Promise<{ importMs: number; readyMs: number }> {
  const started = performance.now();
  const code = `
    const { parentPort } = require('node:worker_threads');
    const t = performance.now();
    import(${JSON.stringify(entry.href)}).then(() => parentPort.postMessage({ importMs: performance.now() - t }));`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true });
    w.once('message', (m: { importMs: number }) => {
      const readyMs = performance.now() - started;
      void w.terminate().then(() => resolve({ importMs: m.importMs, readyMs }));
    });
    w.once('error', reject);
  });
}

const samples = [];
for (let r = 0; r < runs; r++) samples.push(await once());
const importMs = spread(samples.map((s) => s.importMs));
const readyMs = spread(samples.map((s) => s.readyMs));
// The modules it loads at start: its static imports followed through (src/ mirrors dist/ file for file).
const modules = loadedWith(fileURLToPath(new URL('../src/workers/csv-worker.ts', import.meta.url))).size;
console.log(`csv worker: ${modules} modules at start; import ${importMs.median.toFixed(1)} ms (${importMs.min.toFixed(1)}–${importMs.max.toFixed(1)}), ready ${readyMs.median.toFixed(1)} ms (${readyMs.min.toFixed(1)}–${readyMs.max.toFixed(1)}), ${runs} fresh threads`);
fs.mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
fs.writeFileSync(new URL('./out/worker-start.json', import.meta.url), `${JSON.stringify({ runs, modules, importMs, readyMs }, null, 2)}\n`);
