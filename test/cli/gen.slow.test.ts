import assert from 'node:assert/strict';
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sluice } from '../helpers/cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));

const run = (argv: string[]) => sluice(argv);

test('sluice gen --rows N --out FILE --seed S writes N ratings and reports the true RMSE', async () => {
  const f = path.join(dir, 'g.csv');
  const json = path.join(dir, 'g.json');
  const { code, out } = await run(['gen', '--rows', '5000', '--out', f, '--seed', '2', '--json', json]);
  assert.equal(code, 0);
  assert.match(out, /wrote 5,000 ratings/);
  assert.match(out, /true model RMSE/);
  assert.equal(fs.readFileSync(f, 'utf8').trimEnd().split('\n').length, 5001);
  const report = JSON.parse(fs.readFileSync(json, 'utf8'));
  assert.equal(report.rows, 5000);
  assert.ok(report.trueTestRmse > 0);
});

test('sluice gen without --out is an error naming the option', async () => {
  const { code, err } = await run(['gen', '--rows', '10']);
  assert.equal(code, 1);
  assert.match(err, /--out FILE is required/);
});
