// Epoch by epoch in one process, as training runs them: the bare decode loop (`byte-decode`)
// and the recommended block-shuffled pipeline (`sluice-block`: one shuffledCsv dataset,
// iterated epoch after epoch → batch(1024) → tensors). `sluice bench` times one epoch of a
// fresh process, which pays once for starting the worker, compiling, and growing the heap (a
// fresh page costs a fault); a training run pays that in its first epoch only.
//   node --import tsx bench/warm-epochs.ts [--rows 10000000] [--epochs 3] [--runs 3] [--from dist|source]
// One child process per (contender, run), alternating; the ratio at epoch k is the median
// over runs of sluice-block ÷ byte-decode (rows/s) at that epoch. Writes bench/out/warm-epochs-<rows>.json.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spread } from '../cli/bench/stats.js';
import { benchFlags, intFlag } from './lib/args.js';
import { ratingsFile } from './lib/ratings-file.js';

const flags = benchFlags({ rows: '10000000', epochs: '3', runs: '3', from: 'dist', child: '', file: '' });
const epochs = intFlag('epochs', flags.epochs);
const COLUMNS = { userId: 'int32', movieId: 'int32', rating: 'float32', timestamp: 'int32' } as const;

interface Epoch {
  seconds: number;
  cpuSeconds: number;
  rows: number;
}

/** In a child: `epochs` epochs of one contender, each timed (wall and this process's CPU). */
async function child(name: string, file: string): Promise<Epoch[]> {
  const root = flags.from === 'dist' ? '../dist/' : '../';
  const ext = flags.from === 'dist' ? 'js' : 'ts';
  const out: Epoch[] = [];
  const time = async (run: () => Promise<number>): Promise<void> => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const rows = await run();
    const used = process.cpuUsage(cpu);
    out.push({ seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6, rows });
  };
  if (name === 'byte-decode') {
    const { byteDecode } = (await import(`${root}cli/bench/plain-contenders.${ext}`)) as typeof import('../cli/bench/plain-contenders.js');
    for (let e = 0; e < epochs; e++) await time(async () => (await byteDecode({ file, batch: 1024, shuffle: 10000, seed: 1, budgetS: 600, columns: COLUMNS })).rows);
    return out;
  }
  const { shuffledCsv } = (await import(`${root}src/index.${ext}`)) as typeof import('../src/index.js');
  const { batchToTensors, useCpu } = (await import(`${root}cli/bench/contenders/tensors.${ext}`)) as typeof import('../cli/bench/contenders/tensors.js');
  await useCpu();
  const batches = shuffledCsv(file, { columns: COLUMNS, shuffle: { seed: 1 } }).batch(1024);
  for (let e = 0; e < epochs; e++) {
    await time(async () => {
      let rows = 0;
      for await (const b of batches) {
        batchToTensors(b);
        rows += b.size;
      }
      return rows;
    });
  }
  return out;
}

if (flags.child !== '') {
  process.stdout.write(`${JSON.stringify(await child(flags.child, flags.file))}\n`);
} else {
  const rows = intFlag('rows', flags.rows);
  const runs = intFlag('runs', flags.runs);
  if (flags.from === 'dist' && !fs.existsSync(new URL('../dist/src/index.js', import.meta.url))) throw new Error('--from dist: run `npm run build` first');
  const file = ratingsFile(rows);
  const names = ['byte-decode', 'sluice-block'];
  const results: Record<string, Epoch[][]> = { 'byte-decode': [], 'sluice-block': [] };
  for (let r = 0; r < runs; r++) {
    for (const name of r % 2 === 0 ? names : [...names].reverse()) {
      const args = [...process.execArgv, fileURLToPath(import.meta.url), '--child', name, '--file', file, '--epochs', String(epochs), '--from', flags.from];
      const line = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').pop()!;
      results[name]!.push(JSON.parse(line) as Epoch[]);
    }
  }
  const rate = (e: Epoch): number => e.rows / e.seconds;
  const lines = ['| epoch | byte-decode M rows/s | sluice-block M rows/s | sluice-block CPU s | sluice-block ÷ byte-decode (median over runs, min–max) |', '|---:|---:|---:|---:|---:|'];
  for (let e = 0; e < epochs; e++) {
    const loop = spread(results['byte-decode']!.map((run) => rate(run[e]!) / 1e6));
    const block = spread(results['sluice-block']!.map((run) => rate(run[e]!) / 1e6));
    const cpu = spread(results['sluice-block']!.map((run) => run[e]!.cpuSeconds));
    const ratio = spread(results['sluice-block']!.map((run, i) => rate(run[e]!) / rate(results['byte-decode']![i]![e]!)));
    lines.push(`| ${e + 1} | ${loop.median.toFixed(2)} | ${block.median.toFixed(2)} | ${cpu.median.toFixed(2)} | **${ratio.median.toFixed(2)}×** (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)}) |`);
  }
  const out = fileURLToPath(new URL(`out/warm-epochs-${rows}.json`, import.meta.url));
  fs.mkdirSync(fileURLToPath(new URL('out', import.meta.url)), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ rows, epochs, runs, from: flags.from, results }, null, 2));
  process.stdout.write(`${rows.toLocaleString('en')} rows, ${epochs} epochs a process, ${runs} processes each (alternating), from ${flags.from}\n${lines.join('\n')}\nJSON: ${out}\n`);
}
