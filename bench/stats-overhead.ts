// What per-stage statistics cost: the bench pipeline (csv → shuffle(10k) → batch(1024),
// batches consumed, no tensors) with and without `withStats`, alternating in one process,
// wall time and this process's CPU time per epoch (CPU time is steadier on a busy machine).
//   node --import tsx bench/stats-overhead.ts [--rows 2000000] [--rounds 8]
import { csv } from '../src/csv/reader.js';
import { withStats } from '../src/stats/track.js';
import { benchFlags, intFlag } from './lib/args.js';
import { ratingsFile } from './lib/ratings-file.js';

const flags = benchFlags({ rows: '2000000', rounds: '8' });
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
