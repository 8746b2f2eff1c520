import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { sluice } from '../helpers/cli.js';
import { writeMovieLensFile } from '../helpers/movielens-file.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-profile-'));

test('sluice profile FILE prints the stage table and the bottleneck; --json has the same figures', async () => {
  const f = path.join(dir, 'r.csv');
  writeMovieLensFile(f, { rows: 20_000 });
  const json = path.join(dir, 'p.json');
  const { code, out, err } = await sluice(['profile', f, '--seconds', '30', '--json', json]);
  assert.equal(code, 0, err);
  assert.match(out, /^stage +rows +chunks +producing/m);
  assert.match(out, /^csv +20,000 /m);
  assert.match(out, /^(the consumer waits on `\w+` \d+% of the time: |the pipeline is idle \d+% of the time: )/m);
  const r = JSON.parse(fs.readFileSync(json, 'utf8'));
  assert.deepEqual(r.stages.map((s: { stage: string }) => s.stage), ['csv', 'shuffle', 'batch']);
  assert.equal(r.stages[0].rows, 20_000);
  assert.ok(r.stages[0].bytes > 0);
});

test('sluice profile MODULE profiles the exported pipeline; a slow consumer is named', async () => {
  const m = path.join(dir, 'pipe.ts');
  const src = path.resolve('src/index.ts');
  fs.writeFileSync(m, `import { range } from ${JSON.stringify(src)};\nexport const pipe = () => range(40_000).map((x) => x * 2).batch(100);\n`);
  const { code, out, err } = await sluice(['profile', m, '--export', 'pipe', '--seconds', '60', '--consumer-ms', '20']);
  assert.equal(code, 0, err);
  assert.match(out, /^source +40,000 /m);
  assert.match(out, /^map +40,000 /m);
  assert.match(out, /the pipeline is idle \d+% of the time: the consumer \(training\) is the bottleneck/);
  const bad = await sluice(['profile', m, '--export', 'nope']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /has no export 'nope'/);
});
