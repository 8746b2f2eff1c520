// Peak RSS of streaming a MovieLens-format file through csv → batch(1024), for a small and a
// large file, each in a fresh child process (process.resourceUsage().maxRSS). Memory must not
// grow with the file: the goal is large ≤ 1.2 × small.
// Usage: node --import tsx bench/memory.ts [--small 1000000] [--large 10000000] [--engine fast|general|auto] [--json OUT]
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { csv, type CsvEngine } from '../src/csv/reader.js';
import { writeMovieLensFile } from '../test/helpers/movielens-file.js';

const { values } = parseArgs({
  options: {
    small: { type: 'string', default: '1000000' },
    large: { type: 'string', default: '10000000' },
    engine: { type: 'string', default: 'fast' },
    child: { type: 'string' },
    json: { type: 'string' },
  },
});
const engine = values.engine as CsvEngine;
const COLUMNS = { userId: 'int32', movieId: 'int32', rating: 'float32', timestamp: 'int32' } as const;

if (values.child !== undefined) {
  // Child: stream the file once and report the peak.
  let rows = 0;
  let sum = 0;
  const t = performance.now();
  for await (const b of csv(values.child, { columns: COLUMNS, engine }).batch(1024)) {
    rows += b.size;
    sum += b.columns.rating[0]!;
  }
  const seconds = (performance.now() - t) / 1000;
  process.stdout.write(JSON.stringify({ rows, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, check: sum > 0 }) + '\n');
} else {
  const sizes = [Number(values.small), Number(values.large)];
  if (!sizes.every((n) => Number.isInteger(n) && n > 0)) throw new Error('--small and --large must be positive integers');
  const results: { rows: number; file: string; maxRssMiB: number; seconds: number }[] = [];
  for (const rows of sizes) {
    const file = join(tmpdir(), `sluice-bench-ml-${rows}.csv`);
    if (!existsSync(file)) {
      writeMovieLensFile(`${file}.tmp`, { rows, seed: 1 });
      renameSync(`${file}.tmp`, file);
    }
    const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', file, '--engine', engine], { encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { rows: number; seconds: number; maxRssMiB: number };
    if (r.rows !== rows) throw new Error(`read ${r.rows} rows of ${file}, expected ${rows}`);
    results.push({ rows, file, maxRssMiB: r.maxRssMiB, seconds: r.seconds });
  }
  const ratio = results[1]!.maxRssMiB / results[0]!.maxRssMiB;
  console.log(`csv memory: peak RSS streaming csv → batch(1024), ${engine} engine, Node ${process.version}`);
  console.log(`${'rows'.padStart(12)}  ${'peak RSS MiB'.padStart(12)}  ${'seconds'.padStart(8)}`);
  for (const r of results) console.log(`${r.rows.toLocaleString('en').padStart(12)}  ${r.maxRssMiB.toFixed(1).padStart(12)}  ${r.seconds.toFixed(2).padStart(8)}`);
  console.log(`ratio large/small: ${ratio.toFixed(3)} (goal <= 1.2: ${ratio <= 1.2 ? 'met' : 'NOT met'})`);
  const report = { bench: 'csv-memory', engine, node: process.version, results, ratio, goal: 1.2, met: ratio <= 1.2 };
  console.log(JSON.stringify(report));
  if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n');
}
