// Issue 13's must-reach figures: peak RSS of csv() on input without newlines (/dev/zero,
// an endless HTTP body, a gzip of zeros) against maxRowBytes, and a stray quote in a 1M-row
// file against a clean read. Each case runs in a child process (its own peak RSS).
// Usage: node --import tsx bench/integrity.ts [--rows 1000000]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, case: { type: 'string' } }, allowPositionals: true });
const MAX = 16 << 20;

if (values.case !== undefined) {
  // A child: run one case, print its figures.
  const { csv } = await import('../src/csv/reader.js');
  const { createServer } = await import('node:http');
  const started = performance.now();
  let outcome = 'rows';
  const run = async (path: string, options: object): Promise<void> => {
    try {
      let n = 0;
      for await (const chunk of csv(path, options).chunks()) n += 'size' in chunk ? (chunk as { size: number }).size : (chunk as unknown[]).length;
      outcome = `${n} rows`;
    } catch (e) {
      outcome = `${(e as Error).name}: ${(e as Error).message.slice(0, 90)}`;
    }
  };
  const c = values.case;
  if (c === 'devzero') await run('/dev/zero', { header: false });
  else if (c === 'gzip') await run(process.argv[process.argv.length - 1]!, { header: false });
  else if (c === 'http') {
    const server = createServer((_, res) => {
      res.writeHead(200);
      const block = Buffer.alloc(64 << 10, 0x41);
      const pump = (): void => {
        while (res.write(block));
        res.once('drain', pump);
      };
      pump();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await run(`http://127.0.0.1:${port}/x.csv`, { header: false });
    server.close();
    server.closeAllConnections();
  } else if (c === 'clean' || c === 'stray' || c === 'stray-skip') {
    await run(process.argv[process.argv.length - 1]!, { columns: { a: 'int32', b: 'int32', c: 'float32' }, ...(c === 'stray-skip' ? { onBadRow: 'skip' } : {}) });
  }
  console.log(JSON.stringify({ case: c, seconds: (performance.now() - started) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024, outcome }));
  process.exit(0);
}

const rows = Number(values.rows);
const clean = join(tmpdir(), `sluice-integrity-${rows}.csv`);
const stray = join(tmpdir(), `sluice-integrity-${rows}-stray.csv`);
if (!existsSync(stray)) {
  const lines = ['a,b,c'];
  for (let i = 0; i < rows; i++) lines.push(`${i},${i % 1000},${(i % 97) / 4}`);
  writeFileSync(clean, lines.join('\n') + '\n');
  lines[1 + Math.floor(rows / 2)] = `${rows},"7,0.5`;
  writeFileSync(stray, lines.join('\n') + '\n');
}
const zeros = join(tmpdir(), 'sluice-integrity-zeros.csv.gz');
if (!existsSync(zeros)) writeFileSync(zeros, gzipSync(Buffer.alloc(256 << 20)));
const child = (c: string, arg = ''): Record<string, unknown> => JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--case', c, arg], { encoding: 'utf8' }).trim().split('\n').pop()!) as Record<string, unknown>;
const results = [child('clean', clean), child('stray', stray), child('stray-skip', stray), child('devzero'), child('http'), child('gzip', zeros)];
console.log(`maxRowBytes ${MAX >> 20} MiB; ${rows.toLocaleString('en')}-row file (${(readFileSync(clean).length / 2 ** 20).toFixed(1)} MiB), stray quote at the middle row`);
for (const r of results) console.log(`${String(r.case).padEnd(11)} ${Number(r.seconds).toFixed(2).padStart(6)} s  peak RSS ${Number(r.maxRssMiB).toFixed(0).padStart(4)} MiB  ${r.outcome}`);
