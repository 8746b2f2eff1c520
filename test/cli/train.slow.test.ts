import assert from 'node:assert/strict';
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sluice } from '../helpers/cli.js';
import { generateRatings } from '../../pipelines/synthetic/generate.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));

const run = (argv: string[]) => sluice(argv);

test('sluice train FILE --json OUT: summary and every JSON field', async () => {
  const f = path.join(dir, 'u.data');
  await generateRatings(f, { rows: 20_000, seed: 1, format: 'tsv' });
  const json = path.join(dir, 'out.json');
  const { code, out } = await run(['train', f, '--delimiter', '\\t', '--no-header', '--epochs', '2', '--batch', '512', '--dim', '8', '--backend', 'wasm', '--seed', '3', '--json', json]);
  assert.equal(code, 0);
  assert.match(out, /test RMSE \d\.\d{4}, MAE \d\.\d{4}/);
  const r = JSON.parse(fs.readFileSync(json, 'utf8'));
  for (const key of ['backend', 'rows', 'epochs', 'seconds', 'samplesPerSecond', 'trainRmse', 'testRmse', 'testMae', 'peakRssMb', 'loaderWaitFraction']) {
    assert.ok(key in r, key);
  }
  assert.equal(r.backend, 'wasm');
  assert.equal(r.epochs, 2);
  assert.ok(r.rows > 17_000 && r.rows < 19_000);
  assert.ok(r.testRmse > 0.5 && r.testRmse < 1.2, String(r.testRmse));
  // The loader's statistics and the bottleneck line (issue 17).
  assert.match(out, /loader: (main|worker|main→worker) \(.+\); (the pipeline is idle|the consumer waits on `)/);
  assert.deepEqual(Object.keys(r.bottleneck).sort(), ['advice', 'fraction', 'line', 'stage']);
  assert.ok(Array.isArray(r.stages) && r.stages.length >= 1 && typeof r.stages[0].producing === 'number');
});

test('a real tab and :: work as --delimiter; bad options are named', async () => {
  const f = path.join(dir, 'ratings.dat');
  await generateRatings(f, { rows: 3000, seed: 1, format: 'dat' });
  assert.equal((await run(['train', f, '--delimiter', '::', '--epochs', '1', '--backend', 'cpu'])).code, 0);
  const t = path.join(dir, 'tab.tsv');
  await generateRatings(t, { rows: 3000, seed: 1, format: 'tsv' });
  assert.equal((await run(['train', t, '--delimiter', '\t', '--epochs', '1', '--backend', 'cpu'])).code, 0);
  const bad = await run(['train', t, '--backend', 'gpu']);
  assert.equal(bad.code, 2); // usage: see the exit codes in --help
  assert.match(bad.err, /--backend must be/);
  const badDelim = await run(['train', t, '--delimiter', ';']);
  assert.match(badDelim.err, /--delimiter/);
});
