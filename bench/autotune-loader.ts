// `sluice train --loader auto` against each hand-picked loader (main, worker) on one file:
// one child process per run, settings alternating round by round; training samples/s
// compared (the id pass and the evaluation are the same whatever the loader). Reported:
// medians per loader, the median of the per-round ratios auto ÷ best hand-picked (each round
// runs every loader back to back, so a round's ratio sees one load), the child's CPU seconds
// (user + system, /usr/bin/time) and their ratio best ÷ auto, and the load average around each round.
//   node --import tsx bench/autotune-loader.ts --file RATINGS [--epochs 3] [--rounds 1] [--backend wasm]
//        [--loaders auto,main,worker] [--extra '--batch 4096']  (extra: more `sluice train` options, the same for every run)
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
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
const cpu: Record<string, number[]> = Object.fromEntries(loaders.map((l) => [l, []]));
const ratios: number[] = [];
const hand = loaders.filter((l) => l !== 'auto');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
for (let r = 0; r < intFlag('rounds', flags.rounds); r++) {
  const load = loadavg()[0]!.toFixed(2);
  const round: Record<string, number> = {};
  for (const loader of r % 2 === 0 ? loaders : [...loaders].reverse()) {
    const json = path.join(dir, `${loader}-${r}.json`);
    const times = path.join(dir, `${loader}-${r}.time`);
    const train = [process.execPath, '--import', 'tsx', main, 'train', flags.file, '--loader', loader, '--epochs', flags.epochs, '--backend', flags.backend, ...flags.extra.split(' ').filter((x) => x !== ''), '--json', json];
    execFileSync('/usr/bin/time', ['-f', '%U %S', '-o', times, ...train], { stdio: ['ignore', 'ignore', 'inherit'] });
    const out = JSON.parse(readFileSync(json, 'utf8')) as { samplesPerSecond: number; seconds: number; loader: { used: string; reason: string }; bottleneck: { line: string } };
    const [user, sys] = readFileSync(times, 'utf8').trim().split(/\s+/).slice(-2).map(Number) as [number, number];
    got[loader]!.push(out.samplesPerSecond);
    cpu[loader]!.push(user + sys);
    round[loader] = out.samplesPerSecond;
    process.stdout.write(`round ${r} ${loader.padEnd(6)} ${Math.round(out.samplesPerSecond).toLocaleString('en')} samples/s, ${out.seconds.toFixed(1)} s training, ${(user + sys).toFixed(1)} CPU s (process); ${out.loader.used}: ${out.loader.reason}; ${out.bottleneck.line}\n`);
  }
  if (round['auto'] !== undefined && hand.length > 0) ratios.push(round['auto'] / Math.max(...hand.map((l) => round[l]!)));
  process.stdout.write(`round ${r}: load average ${load} → ${loadavg()[0]!.toFixed(2)}${ratios.length > r ? `, auto / best hand-picked of the round = ${ratios[r]!.toFixed(3)}` : ''}\n`);
}
for (const l of loaders) process.stdout.write(`${l.padEnd(6)} median ${Math.round(median(got[l]!)).toLocaleString('en')} samples/s (${got[l]!.map((x) => Math.round(x / 1000)).join(', ')} k), median ${median(cpu[l]!).toFixed(1)} CPU s\n`);
if (got['auto'] !== undefined && hand.length > 0) {
  const top = hand.reduce((a, b) => (median(got[a]!) >= median(got[b]!) ? a : b));
  process.stdout.write(`auto / best hand-picked (${top}), medians = ${(median(got['auto']!) / median(got[top]!)).toFixed(3)}; median of the per-round ratios = ${median(ratios).toFixed(3)} (target ≥ 0.95)\n`);
  // CPU time is less disturbed by other processes than wall time: the process's CPU seconds, best ÷ auto (above 1: auto used less).
  process.stdout.write(`CPU seconds ${top} ÷ auto, medians = ${(median(cpu[top]!) / median(cpu['auto']!)).toFixed(3)}\n`);
}
