// Every source and the stages with a lifecycle of their own, built over generated fixtures:
// what the lifecycle contract (test/stages/contract-lifecycle.test.ts) and the early-break
// bench (bench/early-breaks.ts) run through.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { arrow, csv, type Dataset, fromIterable, fromSequence, fromStream, lines, range, Sequence, shuffledCsv } from '../../src/index.js';
import { csvParallel } from '../../src/csv/parallel.js';
import { background } from '../../src/sources/background.js';
import { writeMovieLensFile } from './movielens-file.js';

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
  cleanup(): void;
}

/** Writes the fixtures (a 20k-row ratings CSV, its Arrow copy, a pipeline module) and names every subject. */
export async function makeSubjects(): Promise<Subjects> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-subjects-'));
  const file = path.join(dir, 'ratings.csv');
  writeMovieLensFile(file, { rows: 20_000 });
  const arrowFile = path.join(dir, 'ratings.arrow');
  await csv(file).cache(arrowFile).count();
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  const index = JSON.stringify(new URL('../../src/index.ts', import.meta.url).pathname);
  const moduleFile = path.join(dir, 'pipeline.ts');
  fs.writeFileSync(moduleFile, `import { range } from ${index};\nexport default (n: number) => range(n).map((x) => x * 2);\n`);
  const big = () => range(50_000);
  const subjects: Record<string, () => Dataset<unknown, unknown>> = {
    range: () => range(50_000),
    fromIterable: () => fromIterable(async function* () { for (let i = 0; i < 50_000; i++) yield i; }),
    fromStream: () => fromStream(() => Readable.from(Array.from({ length: 20_000 }, (_, i) => i))),
    fromSequence: () => fromSequence(new Squares(), { workers: 2 }),
    lines: () => lines(file),
    csv: () => csv(file),
    csvParallel: () => csvParallel(file, { workers: 2, rangeBytes: 64 << 10 }),
    shuffledCsv: () => shuffledCsv(file),
    arrow: () => arrow(arrowFile),
    background: () => background(pathToFileURL(moduleFile), { args: [50_000] }),
    interleave: () => range(8).interleave(() => csv(file), { cycleLength: 3, blockLength: 100 }),
    'cache (memory)': () => big().cache(),
    'cache (file)': () => csv(file).cache(path.join(dir, 'cached.arrow')),
    withAbort: () => big().withAbort(new AbortController().signal),
    mapParallel: () => big().mapParallel((x: number) => x + 1, { concurrency: 2 }),
    prefetch: () => csv(file).prefetch(2),
    zip: () => csv(file).zip(range(100_000)),
    concat: () => csv(file).concat(csv(file)),
    'shuffle→batch': () => csv(file).shuffle(1000).batch(64),
  };
  return { dir, subjects, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
