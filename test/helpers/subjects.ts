// Every source and the stages with a lifecycle of their own, built over generated fixtures:
// what the lifecycle contract (test/stages/contract-lifecycle.slow.test.ts) and the early-break
// bench (bench/early-breaks.ts) run through.
import fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { arrow, csv, type Dataset, fromIterable, fromSequence, fromStream, lines, range, Sequence, shuffledCsv } from '../../src/index.js';
import { parquet } from '../../src/sources/parquet.js';
import { csvParallel } from '../../src/csv/parallel.js';
import { background } from '../../src/sources/background.js';
import { writeMovieLensFile } from './movielens-file.js';
import { writeParquet } from './parquet-file.js';

class Squares extends Sequence<number> {
  get length(): number {
    return 5000;
  }
  getItem(i: number): number {
    return i * i;
  }
}

export interface Subjects {
  dir: string;
  subjects: Record<string, () => Dataset<unknown, unknown>>;
  /** Closes the HTTP server and removes the files. */
  cleanup(): Promise<void>;
}

/** Every subject's name, in the order the contract runs them. */
export const SUBJECT_NAMES = ['range', 'fromIterable', 'fromStream', 'fromSequence', 'lines', 'csv', 'csvParallel', 'shuffledCsv', 'arrow', 'parquet', 'background', 'interleave', 'cache (memory)', 'cache (file)', 'withAbort', 'mapParallel', 'prefetch', 'zip', 'concat', 'shuffle→batch', 'csv (http)', 'mapColumns', 'select', 'rename', 'withColumn', 'filterRows', 'join'] as const;

/** Rows of the fixture files: small (a break reads a chunk or two), yet several chunks, ranges and blocks. */
export const SUBJECT_ROWS = 6000;

/**
 * Writes the fixtures (a ratings CSV, its Arrow and Parquet copies, a pipeline module) and
 * names every subject (and serves the CSV over HTTP). Sources with workers are set to use them (csvParallel 2, shuffledCsv
 * 1, fromSequence 2, background, mapParallel 1) over small ranges and blocks.
 */
export async function makeSubjects(): Promise<Subjects> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-subjects-'));
  const file = path.join(dir, 'ratings.csv');
  writeMovieLensFile(file, { rows: SUBJECT_ROWS, movies: 5000 });
  const columns = { userId: 'int32', movieId: 'int32', rating: 'float32', timestamp: 'float64' } as const;
  const arrowFile = path.join(dir, 'ratings.arrow');
  await csv(file, { columns }).cache(arrowFile).count();
  const parquetFile = path.join(dir, 'ratings.parquet');
  const rows = await csv(file, { columns }).toArray();
  writeParquet(parquetFile, [
    { name: 'userId', type: 'INT32', values: rows.map((r) => r.userId) },
    { name: 'movieId', type: 'INT32', values: rows.map((r) => r.movieId) },
    { name: 'rating', type: 'FLOAT', values: rows.map((r) => r.rating) },
  ], 1000);
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  const index = JSON.stringify(new URL('../../src/index.ts', import.meta.url).pathname);
  const moduleFile = path.join(dir, 'pipeline.ts');
  fs.writeFileSync(moduleFile, `import { range } from ${index};\nexport default (n: number) => range(n).map((x) => x * 2);\n`);
  const big = () => range(50_000);
  const typed = () => csv(file, { columns });
  const movies = { movieId: Int32Array.from({ length: 10_000 }, (_, i) => i), popularity: Float32Array.from({ length: 10_000 }, (_, i) => i % 7) };
  // The CSV over HTTP, from a server on 127.0.0.1 (a free port), for csv(url).
  const server = createServer((req, res) => {
    const stream = fs.createReadStream(file);
    res.writeHead(200, { 'content-type': 'text/csv', 'content-length': fs.statSync(file).size });
    stream.pipe(res);
    res.on('close', () => stream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const subjects: Record<string, () => Dataset<unknown, unknown>> = {
    range: () => range(50_000),
    fromIterable: () => fromIterable(async function* () { for (let i = 0; i < 50_000; i++) yield i; }),
    fromStream: () => fromStream(() => Readable.from(Array.from({ length: 20_000 }, (_, i) => i))),
    fromSequence: () => fromSequence(new Squares(), { workers: 2 }),
    lines: () => lines(file),
    csv: () => csv(file),
    csvParallel: () => csvParallel(file, { workers: 2, rangeBytes: 16 << 10 }),
    shuffledCsv: () => shuffledCsv(file, { columns, workers: 1, shuffle: { blockBytes: 16 << 10, openBlocks: 4, seed: 1 } }),
    arrow: () => arrow(arrowFile),
    parquet: () => parquet(parquetFile, { chunkSize: 500 }),
    background: () => background(pathToFileURL(moduleFile), { args: [50_000] }),
    interleave: () => range(8).interleave(() => csv(file), { cycleLength: 3, blockLength: 100 }),
    'cache (memory)': () => big().cache(),
    'cache (file)': () => csv(file).cache(path.join(dir, 'cached.arrow')),
    withAbort: () => big().withAbort(new AbortController().signal),
    mapParallel: () => big().mapParallel((x: number) => x + 1, { concurrency: 1 }),
    prefetch: () => csv(file).prefetch(2),
    zip: () => csv(file).zip(range(100_000)),
    concat: () => csv(file).concat(csv(file)),
    'shuffle→batch': () => csv(file).shuffle(1000).batch(64),
    'csv (http)': () => csv(`${base}/ratings.csv`),
    mapColumns: () => typed().mapColumns((c) => ({ score: c.rating.map((r) => r * 2) })),
    select: () => typed().select('userId', 'rating'),
    rename: () => typed().rename({ movieId: 'item' }),
    withColumn: () => typed().withColumn('half', (c) => c.rating.map((r) => r / 2)),
    filterRows: () => typed().filterRows((c) => c.rating.map((r) => (r >= 3 ? 1 : 0))),
    join: () => typed().join(movies, { on: 'movieId', columns: ['popularity'] }),
  };
  const cleanup = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { dir, subjects, cleanup };
}
