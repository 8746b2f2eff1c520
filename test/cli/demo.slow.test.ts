import assert from 'node:assert/strict';
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sluice } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('sluice demo caches its file in the temp dir (or --cache), never in the package', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-demo-test-'));
  const before = fs.existsSync(path.join(root, '.cache')) ? fs.readdirSync(path.join(root, '.cache')).length : -1;
  const r = await sluice(['demo', '--rows', '2000', '--epochs', '1', '--backend', 'cpu'], { env: { ...process.env, TMPDIR: tmp } });
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(fs.readdirSync(path.join(tmp, 'sluice-demo')).sort(), ['synthetic-2000-seed0.csv', 'synthetic-2000-seed0.csv.truth.json']);
  const after = fs.existsSync(path.join(root, '.cache')) ? fs.readdirSync(path.join(root, '.cache')).length : -1;
  assert.equal(after, before);
  const own = path.join(tmp, 'mine');
  const again = await sluice(['demo', '--rows', '2000', '--epochs', '1', '--backend', 'cpu', '--cache', own], { env: { ...process.env, TMPDIR: tmp } });
  assert.equal(again.code, 0, again.err);
  assert.ok(fs.existsSync(path.join(own, 'synthetic-2000-seed0.csv')));
});
