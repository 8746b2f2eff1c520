// Re-tuning `sluice train`'s defaults on ml-100k-shaped synthetic data (issue 14).
//   nice -n 5 node --import tsx bench/tune.ts [--grid 'batch=256,512,1024;lr=0.002,0.005'] [--seeds 1,2,3]
//        [--epochs 20] [--early-stop 2] [--rows 100000] [--users 943] [--items 1682] [--split 0.2] [--out FILE]
// Each seed s is its own data set (`generateRatings` with seed s: 943 users × 1682 items,
// 100k ratings, rows sorted by user, like ml-100k's u.data) and its own run (`--seed s`:
// init, shuffle and the hash split, 20% held out like a u1.base/u1.test fold). Every
// point of the grid (the cartesian product of --grid over DEFAULTS) trains once per seed,
// in process, --loader main, with --early-stop; the table gives the mean final test RMSE
// over the seeds, the epochs run, and the CPU seconds spent (process.cpuUsage). One JSON
// line per run is appended to --out (default bench/out/tune.jsonl) as it finishes.
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateRatings } from '../pipelines/synthetic/generate.js';
import { DEFAULTS, trainRecommender, type TrainOptions } from '../pipelines/movielens/train.js';

const { values } = parseArgs({
  options: {
    grid: { type: 'string', default: 'batch=256,512,1024;lr=0.002,0.005,0.01' },
    seeds: { type: 'string', default: '1,2,3' },
    epochs: { type: 'string', default: '20' },
    'early-stop': { type: 'string', default: '2' },
    rows: { type: 'string', default: '100000' },
    users: { type: 'string', default: '943' },
    items: { type: 'string', default: '1682' },
    split: { type: 'string', default: '0.2' },
    out: { type: 'string', default: 'bench/out/tune.jsonl' },
  },
});

type Knob = 'batch' | 'lr' | 'l2' | 'dim' | 'decay';
const KNOBS: readonly Knob[] = ['batch', 'lr', 'l2', 'dim', 'decay'];

/** 'batch=256,512;lr=0.005' → every combination, as partial options. */
function points(grid: string): Partial<Record<Knob, number>>[] {
  let out: Partial<Record<Knob, number>>[] = [{}];
  for (const part of grid.split(';').filter((p) => p.trim() !== '')) {
    const [name, list] = part.split('=') as [Knob, string | undefined];
    if (!KNOBS.includes(name) || list === undefined) throw new Error(`--grid: expected ${KNOBS.join('|')}=v1,v2…, got '${part}'`);
    const vs = list.split(',').map(Number);
    out = out.flatMap((p) => vs.map((v) => ({ ...p, [name]: v })));
  }
  return out;
}

const seeds = values.seeds.split(',').map(Number);
const rows = Number(values.rows);
const dataDir = path.join(os.tmpdir(), 'sluice-bench', 'tune');
mkdirSync(dataDir, { recursive: true });
mkdirSync(path.dirname(values.out), { recursive: true });
const files = new Map<number, string>();
for (const seed of seeds) {
  const file = path.join(dataDir, `ml100k-shaped-${rows}-${values.users}x${values.items}-s${seed}.data`);
  if (!existsSync(file)) await generateRatings(file, { rows, users: Number(values.users), items: Number(values.items), seed, format: 'tsv' });
  files.set(seed, file);
}

const table: string[] = [];
for (const p of points(values.grid)) {
  const settings = { batch: DEFAULTS.batch, lr: DEFAULTS.lr, l2: DEFAULTS.l2, dim: DEFAULTS.dim, decay: DEFAULTS.decay, ...p };
  const runs: { seed: number; testRmse: number; epochs: number; best: number; cpu: number }[] = [];
  for (const seed of seeds) {
    const cpu0 = process.cpuUsage();
    const options: TrainOptions = { ...settings, split: Number(values.split), seed, epochs: Number(values.epochs), earlyStop: Number(values['early-stop']), loader: 'main', backend: 'wasm' };
    const r = await trainRecommender(files.get(seed)!, options);
    const cpu = process.cpuUsage(cpu0);
    const run = { seed, testRmse: r.testRmse, epochs: r.stoppedAfter ?? r.epochs, best: Math.min(...r.epochTestRmse), cpu: (cpu.user + cpu.system) / 1e6 };
    runs.push(run);
    appendFileSync(values.out, JSON.stringify({ settings, ...run, epochTestRmse: r.epochTestRmse, load: os.loadavg()[0] }) + '\n');
  }
  const mean = (f: (r: (typeof runs)[number]) => number) => runs.reduce((s, r) => s + f(r), 0) / runs.length;
  const line =
    `| ${settings.batch} | ${settings.lr} | ${settings.l2} | ${settings.dim} | ${settings.decay} | ${mean((r) => r.testRmse).toFixed(4)} | ` +
    `${runs.map((r) => r.testRmse.toFixed(4)).join(' / ')} | ${runs.map((r) => r.epochs).join('/')} | ${mean((r) => r.cpu).toFixed(1)} |`;
  table.push(line);
  process.stdout.write(line + '\n');
}
process.stdout.write(
  `\nbatch | lr | l2 | dim | decay | mean test RMSE | per seed (${seeds.join(', ')}) | epochs run | CPU s/run\n` +
    `(epochs ≤ ${values.epochs}, --early-stop ${values['early-stop']}, --split ${values.split}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})\n` +
    table.join('\n') +
    '\n',
);
