import assert from 'node:assert/strict';
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRatings } from '../../../pipelines/synthetic/generate.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));

test('seeded: same seed same file, another seed another file', async () => {
  const a = path.join(dir, 'a.csv');
  const b = path.join(dir, 'b.csv');
  const c = path.join(dir, 'c.csv');
  const ra = await generateRatings(a, { rows: 3000, seed: 1 });
  const rb = await generateRatings(b, { rows: 3000, seed: 1 });
  await generateRatings(c, { rows: 3000, seed: 2 });
  assert.equal(fs.readFileSync(a, 'utf8'), fs.readFileSync(b, 'utf8'));
  assert.notEqual(fs.readFileSync(a, 'utf8'), fs.readFileSync(c, 'utf8'));
  assert.deepEqual(ra, { ...rb, file: a });
});

test('MovieLens shape: header, N rows sorted by user, half stars in 0.5–5, no repeated pair, skewed popularity', async () => {
  const f = path.join(dir, 'r.csv');
  const report = await generateRatings(f, { rows: 20_000, seed: 3, items: 2000 });
  const lines = fs.readFileSync(f, 'utf8').trimEnd().split('\n');
  assert.equal(lines[0], 'userId,movieId,rating,timestamp');
  assert.equal(lines.length - 1, 20_000);
  const pairs = new Set<string>();
  const pop = new Map<number, number>();
  let lastUser = 0;
  for (const line of lines.slice(1)) {
    const [u, m, r] = line.split(',').map(Number) as [number, number, number];
    assert.ok(u >= lastUser);
    lastUser = u;
    assert.ok(r >= 0.5 && r <= 5 && Number.isInteger(r * 2), line);
    const key = `${u},${m}`;
    assert.ok(!pairs.has(key), key);
    pairs.add(key);
    pop.set(m, (pop.get(m) ?? 0) + 1);
  }
  const counts = [...pop.values()].sort((a, b) => b - a);
  assert.ok(counts[0]! > 5 * counts[Math.floor(counts.length / 2)]!, 'popularity is skewed');
  assert.ok(report.trueTestRmse > 0.6 && report.trueTestRmse < 0.95, String(report.trueTestRmse));
});

test('tsv and dat layouts', async () => {
  const t = path.join(dir, 'u.data');
  const d = path.join(dir, 'ratings.dat');
  await generateRatings(t, { rows: 10, seed: 1, format: 'tsv' });
  await generateRatings(d, { rows: 10, seed: 1, format: 'dat' });
  assert.match(fs.readFileSync(t, 'utf8').split('\n')[0]!, /^\d+\t\d+\t[\d.]+\t\d+$/);
  assert.match(fs.readFileSync(d, 'utf8').split('\n')[0]!, /^\d+::\d+::[\d.]+::\d+$/);
});
