// What per-stage statistics cost: the bench pipeline (csv → shuffle(10k) → batch(1024),
// batches consumed, no tensors) with and without `withStats`, alternating in one process,
// wall time and this process's CPU time per epoch (CPU time is steadier on a busy machine).
// Then the cost of the probes alone, free of the pipeline's noise: a source of ready-made
// chunks through three pass-through stages, timed and untimed, alternating; the difference
// per chunk pull, times the pulls of the bench pipeline's epoch, over that epoch's CPU time
// is the overhead the probes can account for.
//   node --import tsx bench/stats-overhead.ts [--rows 2000000] [--rounds 8] [--pulls 200000]
import { csv } from '../src/csv/reader.js';
import { withStats } from '../src/stats/track.js';
import { Dataset } from '../src/dataset.js';
import { loadavg } from 'node:os';
import { benchFlags, intFlag } from './lib/args.js';
import { ratingsFile } from './lib/ratings-file.js';

const flags = benchFlags({ rows: '2000000', rounds: '8', pulls: '200000' });
const file = ratingsFile(intFlag('rows', flags.rows));
const rounds = intFlag('rounds', flags.rounds);
const columns = { userId: 'int32', movieId: 'int32', rating: 'float32', timestamp: 'int32' } as const;

async function once(stats: boolean): Promise<{ wall: number; cpu: number; chunks: number }> {
  const plain = csv(file, { columns }).shuffle(10_000, { seed: 1 }).batch(1024);
  const ds = stats ? withStats(plain) : plain;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let rows = 0;
  for await (const b of ds) rows += b.size;
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const chunks = stats && 'stats' in ds ? (ds as ReturnType<typeof withStats>).stats().stages.reduce((n, s) => n + s.chunks, 0) : 0;
  void rows;
  return { wall, cpu: (c.user + c.system) / 1000, chunks };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
await once(false); // warm the page cache and the JIT
const off = { wall: [] as number[], cpu: [] as number[] };
const on = { wall: [] as number[], cpu: [] as number[] };
let probed = 0;
for (let r = 0; r < rounds; r++) {
  for (const stats of r % 2 === 0 ? [false, true] : [true, false]) {
    const m = await once(stats);
    (stats ? on : off).wall.push(m.wall);
    (stats ? on : off).cpu.push(m.cpu);
    if (stats) probed = m.chunks;
  }
}
const line = (what: 'wall' | 'cpu') => `${what}: off ${median(off[what]).toFixed(0)} ms, on ${median(on[what]).toFixed(0)} ms (median of ${rounds}), on/off = ${(median(on[what]) / median(off[what])).toFixed(4)}; min ${Math.min(...off[what]).toFixed(0)} vs ${Math.min(...on[what]).toFixed(0)} ms`;
process.stdout.write(`${flags.rows} rows, ${probed} chunk pulls timed per epoch\n${line('wall')}\n${line('cpu')}\n`);

// The probes alone: `pulls` chunks from a source that makes nothing, through skip(0) → take → skip(0).
const pulls = intFlag('pulls', flags.pulls);
const chunk = [0];
const bare = new Dataset<number>({
  size: undefined,
  open: () => {
    let i = 0;
    return { next: () => Promise.resolve(i++ < pulls ? { done: false as const, value: chunk } : { done: true as const, value: undefined }) };
  },
})
  .skip(0)
  .take(pulls)
  .skip(0);
async function pass(stats: boolean): Promise<number> {
  const ds = stats ? withStats(bare) : bare;
  const c0 = process.cpuUsage();
  for await (const c of ds.chunks()) void c;
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}
const probeOff: number[] = [];
const probeOn: number[] = [];
await pass(true);
for (let r = 0; r < rounds; r++) for (const stats of r % 2 === 0 ? [false, true] : [true, false]) (stats ? probeOn : probeOff).push(await pass(stats));
const perPull = ((median(probeOn) - median(probeOff)) * 1e6) / (pulls * 4); // ns per probed pull (4 stages)
const share = (perPull * 1e-6 * probed) / median(off.cpu);
process.stdout.write(
  `probes alone: ${pulls} chunks × 4 stages, CPU ${median(probeOff).toFixed(0)} ms off, ${median(probeOn).toFixed(0)} ms on (median of ${rounds}): ${perPull.toFixed(0)} ns per probed pull\n` +
    `→ ${probed} probed pulls per epoch of the pipeline cost ${((perPull * probed) / 1e6).toFixed(2)} ms = ${(share * 100).toFixed(3)}% of its ${median(off.cpu).toFixed(0)} ms CPU time\n` +
    `load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`,
);
