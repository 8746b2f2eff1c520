// sluice train as a person meets it: flags, conflicts, errors, what the summary says.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { sluice } from '../helpers/cli.js';
import { generateRatings } from '../../pipelines/synthetic/generate.js';
import { DEFAULTS } from '../../pipelines/movielens/train.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-flags-'));
const file = path.join(dir, 'ratings.csv');
const ready = generateRatings(file, { rows: 20_000, seed: 1 });

test('an unknown flag is one line with a did-you-mean; a bad value too', async () => {
  const r = await sluice(['train', 'x.csv', '--epoch', '3']);
  assert.equal(r.code, 2);
  assert.equal(r.err.trim(), 'sluice train: unknown option --epoch (did you mean --epochs?); --help lists the options');
  const missing = await sluice(['train', 'x.csv', '--epochs']);
  assert.equal(missing.err.trim().split('\n').length, 1, missing.err);
});

test('conflicting flags are refused: --split with --test, --header with --no-header', async () => {
  const r = await sluice(['train', 'a.csv', '--test', 'b.csv', '--split', '0.2']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--split and --test exclude each other/);
  assert.match((await sluice(['train', 'a.csv', '--header', '--no-header'])).err, /--header and --no-header exclude each other/);
});

test('--help lists every flag train accepts', async () => {
  const help = (await sluice(['train', '--help'])).out;
  const source = fs.readFileSync(new URL('../../cli/train.ts', import.meta.url), 'utf8');
  const block = source.slice(source.indexOf('const FLAGS = {'), source.indexOf('} as const;', source.indexOf('const FLAGS = {')));
  const flags = [...block.matchAll(/^\s+'?([a-z][a-z0-9-]*)'?: \{ type:/gm)].map((m) => m[1]!);
  assert.ok(flags.length >= 20, flags.join(' '));
  for (const flag of flags) assert.ok(help.includes(`--${flag}`), `--${flag} is not in --help`);
  // The defaults it states are the ones trainRecommender uses.
  for (const k of ['epochs', 'batch', 'dim'] as const) assert.match(help, new RegExp(`--${k} N +default ${DEFAULTS[k]}\\b`), k);
  assert.match(help, new RegExp(`Adam learning rate, default ${DEFAULTS.lr} .*its factor per epoch, default ${DEFAULTS.decay}`));
  assert.match(help, new RegExp(`--l2 X .*default ${DEFAULTS.l2} `));
  assert.match(help, /Exit codes: 0 done; 1 .*; 2 .*; 3 .*; 4 training diverged/s);
});

test('a gzip file is refused with a message that says so (format detection never reads compressed bytes)', async () => {
  await ready;
  const gz = path.join(dir, 'ratings.csv.gz');
  fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(file)));
  const r = await sluice(['train', gz, '--epochs', '1']);
  assert.equal(r.code, 1);
  assert.match(r.err, /ratings\.csv\.gz: is gzip-compressed; .*gunzip/);
  assert.ok(r.err.length < 400 && !/[\x00-\x08]/.test(r.err), r.err);
});

test('per-epoch mean loss and held-out RMSE, settings in the summary and JSON, --early-stop', async () => {
  await ready;
  const json = path.join(dir, 'run.json');
  // A high, undecayed learning rate without L2 overfits this small file after an epoch or two.
  const r = await sluice(['train', file, '--epochs', '8', '--decay', '1', '--lr', '0.05', '--l2', '0', '--early-stop', '1', '--backend', 'wasm', '--json', json]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(fs.readFileSync(json, 'utf8'));
  assert.deepEqual(Object.keys(j.settings).sort(), ['batch', 'decay', 'dim', 'earlyStop', 'epochs', 'l2', 'loader', 'lr', 'seed', 'shuffle', 'shuffleBuffer', 'split'].sort());
  assert.equal(j.settings.lr, 0.05);
  assert.equal(j.settings.earlyStop, 1);
  assert.ok(j.stoppedAfter !== null && j.stoppedAfter < 8, String(j.stoppedAfter));
  assert.equal(j.epochTestRmse.length, j.stoppedAfter);
  assert.equal(j.epochLoss.length, j.stoppedAfter);
  const last = j.epochTestRmse.at(-1);
  assert.ok(last >= Math.min(...j.epochTestRmse.slice(0, -1)), j.epochTestRmse.join(', '));
  assert.equal(last, j.testRmse);
  for (let e = 1; e <= j.stoppedAfter; e++) assert.match(r.out, new RegExp(`epoch ${e}/8: mean loss \\d\\.\\d{4}, held-out RMSE \\d\\.\\d{4}`));
  assert.match(r.out, /settings: epochs 8, batch 512, dim 32, lr 0\.05 \(×1\/epoch\), l2 0, seed 0, split 0\.1/);
  assert.match(r.out, new RegExp(`stopped early after epoch ${j.stoppedAfter}`));
});

test('a loss that becomes NaN stops the run with exit code 4 and advice to lower --lr', async () => {
  await ready;
  const r = await sluice(['train', file, '--epochs', '1', '--lr', '1e30', '--backend', 'wasm']);
  assert.equal(r.code, 4);
  assert.match(r.err, /training diverged: the loss became (NaN|-?Infinity) at epoch 1, batch \d+ .*Lower --lr/);
});
