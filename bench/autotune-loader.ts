// `sluice train --loader auto` against each hand-picked loader (main, worker) on one file:
// one child process per run, settings alternating round by round; training samples/s
// compared (the id pass and the evaluation are the same whatever the loader).
//   node --import tsx bench/autotune-loader.ts --file RATINGS [--epochs 3] [--rounds 1] [--backend wasm]
//        [--loaders auto,main,worker] [--extra '--batch 4096']  (extra: more `sluice train` options, the same for every run)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchFlags, intFlag } from './lib/args.js';

const flags = benchFlags({ file: '', epochs: '3', rounds: '1', backend: 'wasm', loaders: 'auto,main,worker', extra: '' });
if (flags.file === '') throw new Error('--file RATINGS is required');
const main = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-autotune-'));
const loaders = flags.loaders.split(',');
const got: Record<string, number[]> = Object.fromEntries(loaders.map((l) => [l, []]));
for (let r = 0; r < intFlag('rounds', flags.rounds); r++) {
  for (const loader of r % 2 === 0 ? loaders : [...loaders].reverse()) {
    const json = path.join(dir, `${loader}-${r}.json`);
    execFileSync(process.execPath, ['--import', 'tsx', main, 'train', flags.file, '--loader', loader, '--epochs', flags.epochs, '--backend', flags.backend, ...flags.extra.split(' ').filter((x) => x !== ''), '--json', json], { stdio: ['ignore', 'ignore', 'inherit'] });
    const out = JSON.parse(readFileSync(json, 'utf8')) as { samplesPerSecond: number; seconds: number; loader: { used: string; reason: string }; bottleneck: { line: string } };
    got[loader]!.push(out.samplesPerSecond);
    process.stdout.write(`round ${r} ${loader.padEnd(6)} ${Math.round(out.samplesPerSecond).toLocaleString('en')} samples/s, ${out.seconds.toFixed(1)} s training; ${out.loader.used}: ${out.loader.reason}; ${out.bottleneck.line}\n`);
  }
}
const best = (l: string) => Math.max(...got[l]!);
const hand = loaders.filter((l) => l !== 'auto');
const top = hand.reduce((a, b) => (best(a) >= best(b) ? a : b));
if (got['auto'] !== undefined && hand.length > 0) process.stdout.write(`auto / best hand-picked (${top}) = ${(best('auto') / best(top)).toFixed(3)} (best of each; target ≥ 0.95)\n`);
