// A categorical string column on the fast engine: the same rows with a `tag` column (~10
// distinct values per 1,000 rows, some quoted) read as 'category' by the fast engine, by the
// general engine (as 'string', the only way before, and as 'category'), against a
// numeric-only file of the same row count. Decode only (chunks counted), contenders
// alternating run by run (the order rotated each round, after a warm-up pass of every
// contender over the first 50,000 rows, so no contender pays the JIT's warm-up alone),
// median of runs; rows per second of wall and of CPU time; bytes per row of both files and
// the load average are printed too.
// --fast-only leaves the general engine out: its garbage and type feedback otherwise slow
// the numeric contender that shares the process (the fast ratio is fairer without it).
//   node --import tsx bench/categorical.ts [--rows 1000000] [--runs 3] [--fast-only] [--json OUT]
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chunkLength } from '../src/chunk.js';
import { csv } from '../src/index.js';
import { randomInt } from '../src/random.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' }, 'fast-only': { type: 'boolean', default: false }, json: { type: 'string' } } });
const rows = Number(values.rows);
const runs = Number(values.runs);
const dir = join(tmpdir(), 'sluice-bench');
mkdirSync(dir, { recursive: true });

/** userId,movieId,rating,timestamp[,tag]: the same numbers in both files. */
function writeFile(file: string, withTag: boolean): void {
  if (existsSync(file)) return;
  const rand = randomInt(7);
  const distinct = Math.max(1, Math.round(rows / 100));
  const fd = openSync(`${file}.tmp`, 'w');
  writeSync(fd, withTag ? 'userId,movieId,rating,timestamp,tag\n' : 'userId,movieId,rating,timestamp\n');
  let text = '';
  for (let i = 0; i < rows; i++) {
    const t = rand(distinct);
    const tag = t % 7 === 0 ? `"tag ${t}, quoted"` : `tag-${t}`;
    text += `${1 + (i >> 7)},${1 + rand(50_000)},${(1 + rand(10)) / 2},${1_000_000_000 + i}${withTag ? `,${tag}` : ''}\n`;
    if (text.length > 1 << 20) {
      writeSync(fd, text);
      text = '';
    }
  }
  writeSync(fd, text);
  closeSync(fd);
  renameSync(`${file}.tmp`, file);
}
const tagged = join(dir, `tagged-${rows}.csv`);
const numeric = join(dir, `numeric-${rows}.csv`);
writeFile(tagged, true);
writeFile(numeric, false);

const nums = { userId: 'int32', movieId: 'int32', rating: 'float32', timestamp: 'float64' } as const;
const all = {
  'fast, tag as category': () => csv(tagged, { columns: { ...nums, tag: 'category' } }),
  'general, tag as string': () => csv(tagged, { columns: { ...nums, tag: 'string' }, engine: 'general' }),
  'general, tag as category': () => csv(tagged, { columns: { ...nums, tag: 'category' }, engine: 'general' }),
  'numeric-only file (fast)': () => csv(numeric, { columns: nums }),
};

const contenders = Object.fromEntries(Object.entries(all).filter(([name]) => !values['fast-only'] || !name.startsWith('general')));

async function rate(make: () => ReturnType<typeof csv>): Promise<[number, number]> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let seen = 0;
  for await (const chunk of make().chunks()) seen += chunkLength(chunk);
  if (seen !== rows) throw new Error(`expected ${rows} rows, saw ${seen}`);
  const cpu = process.cpuUsage(c0);
  return [rows / ((performance.now() - t0) / 1000), rows / ((cpu.user + cpu.system) / 1e6)];
}

for (const make of Object.values(contenders)) for await (const _ of make().take(50_000).chunks());
const wall: Record<string, number[]> = {};
const cpu: Record<string, number[]> = {};
const load0 = loadavg()[0]!;
for (let r = 0; r < runs; r++) {
  const order = Object.entries(contenders);
  for (const [name, make] of [...order.slice(r % order.length), ...order.slice(0, r % order.length)]) {
    const [w, c] = await rate(make as () => ReturnType<typeof csv>);
    (wall[name] ??= []).push(w);
    (cpu[name] ??= []).push(c);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fast = median(wall['fast, tag as category']!);
const fastCpu = median(cpu['fast, tag as category']!);
const perRow = (f: string) => (statSync(f).size / rows).toFixed(1);
console.log(`csv decode, ${rows.toLocaleString('en')} rows, tag ~${Math.round(rows / 100).toLocaleString('en')} distinct values, median of ${runs} (Node ${process.version}); bytes/row: tagged ${perRow(tagged)}, numeric ${perRow(numeric)}; load average ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`);
const results = Object.keys(wall).map((name) => ({ name, wall: median(wall[name]!), min: Math.min(...wall[name]!), max: Math.max(...wall[name]!), cpu: median(cpu[name]!) }));
for (const r of results) {
  console.log(`${r.name.padEnd(28)} ${(r.wall / 1e6).toFixed(2).padStart(6)} M rows/s (min ${(r.min / 1e6).toFixed(2)}, max ${(r.max / 1e6).toFixed(2)})  fast-category ÷ this: ×${(fast / r.wall).toFixed(2)}   per CPU s ${(r.cpu / 1e6).toFixed(2)} M  ×${(fastCpu / r.cpu).toFixed(2)}`);
}
if (values.json) writeFileSync(values.json, JSON.stringify({ date: new Date().toISOString(), rows, runs, load: [load0, loadavg()[0]], results }, null, 2));
