// One stray huge raw id must not make the worker loader expensive: its id maps once made
// background() send megabytes with every pull. ml-latest-small-shaped data (100,836
// ratings, 610 users, 9,724 movie ids up to 193,609) with one movieId 999,999: the worker
// loader's peak RSS stays within 1.2× of the in-thread loader's (the lower of two runs each).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomInt } from '../../../src/random.js';
import { sluice } from '../../helpers/cli.js';

function writeFixture(file: string): void {
  const rand = randomInt(7);
  const movies = Array.from({ length: 9724 }, (_, k) => 1 + Math.floor((k * 193_608) / 9723));
  const lines = ['userId,movieId,rating,timestamp'];
  let rows = 0;
  for (let u = 1; u <= 610 && rows < 100_836; u++) {
    const n = u === 610 ? 100_836 - rows : Math.min(100_836 - rows, 20 + rand(311));
    for (let k = 0; k < n; k++) lines.push(`${u},${movies[rand(movies.length)]},${(1 + rand(9)) / 2},964982703`);
    rows += n;
  }
  lines.splice(50_000, 0, '300,999999,4.0,964982703');
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

test('a stray movieId 999,999: worker loader peak RSS within 1.2× of --loader main', { timeout: 300_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-hugeid-'));
  const file = path.join(dir, 'ratings.csv');
  writeFixture(file);
  const run = async (loader: string) => {
    const json = path.join(dir, `${loader}.json`);
    const r = await sluice(['train', file, '--epochs', '3', '--backend', 'wasm', '--loader', loader, '--json', json]);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(fs.readFileSync(json, 'utf8')) as { peakRssMb: number; seconds: number; items: number; loader: { used: string } };
  };
  // Two runs each, the lower peak kept: a process's peak RSS moves by ±10% with when its GCs
  // fall, which alone took one run of each past 1.2× (worker 289 MB vs main 237 MB).
  const lower = async (loader: string) => {
    const [a, b] = [await run(loader), await run(loader)];
    return a.peakRssMb <= b.peakRssMb ? a : b;
  };
  const main = await lower('main');
  const worker = await lower('worker');
  assert.equal(worker.loader.used, 'worker');
  assert.equal(main.items, worker.items);
  process.stdout.write(`# peak RSS: worker ${worker.peakRssMb.toFixed(0)} MB vs main ${main.peakRssMb.toFixed(0)} MB (×${(worker.peakRssMb / main.peakRssMb).toFixed(2)}); training ${worker.seconds.toFixed(1)} s vs ${main.seconds.toFixed(1)} s\n`);
  assert.ok(worker.peakRssMb <= 1.2 * main.peakRssMb, `worker ${worker.peakRssMb} MB vs main ${main.peakRssMb} MB`);
});
