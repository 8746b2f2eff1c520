import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { arrow, csv, type Fingerprinted } from '../../src/index.js';
import { isValidCache } from '../../src/stages/cache.js';
import { sluice as runCli } from '../helpers/cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function ratingsCsv(n: number): string {
  const file = path.join(dir, `r${n}.csv`);
  let text = 'userId,movieId,rating,timestamp\n';
  for (let i = 0; i < n; i++) text += `${i % 50},${(i * 7) % 300},${(i % 10) / 2 + 0.5},${1_000_000 + i}\n`;
  fs.writeFileSync(file, text);
  return file;
}

const sluice = (...argv: string[]) => runCli(argv);

describe('sluice convert', () => {
  test('writes the same rows as csv() reads, in an Arrow file stamped with the CSV', async () => {
    const input = ratingsCsv(20_000);
    const output = path.join(dir, 'r.arrow');
    const json = path.join(dir, 'r.json');
    const { code, out } = await sluice('convert', input, output, '--columns', 'userId:int32,movieId:int32,rating:float32', '--json', json);
    assert.equal(code, 0);
    assert.match(out, /convert: 20,000 rows/);
    const columns = { userId: 'int32', movieId: 'int32', rating: 'float32' } as const;
    assert.deepEqual(await arrow(output).toArray(), await csv(input, { columns }).toArray());
    const figures = JSON.parse(fs.readFileSync(json, 'utf8')) as { rows: number; rowsPerSecond: number };
    assert.equal(figures.rows, 20_000);
    assert.ok(figures.rowsPerSecond > 0);
    // A ready cache for csv(input, same options).cache(output): read, not rebuilt.
    const stamp = await (csv(input, { columns }).source as unknown as Fingerprinted).fingerprint();
    assert.equal(await isValidCache(output, stamp), true);
    const mtime = fs.statSync(output).mtimeMs;
    assert.equal(await csv(input, { columns }).cache(output).count(), 20_000);
    assert.equal(fs.statSync(output).mtimeMs, mtime);
  });

  test('every column with inferred dtypes by default; --header none', async () => {
    const input = path.join(dir, 'u.data');
    fs.writeFileSync(input, '1\t2\t3\n4\t5\t6.5\n');
    const output = path.join(dir, 'u.arrow');
    assert.equal((await sluice('convert', input, output, '--delimiter', '\\t', '--header', 'none')).code, 0);
    assert.deepEqual(await arrow(output).toArray(), [
      { 0: 1, 1: 2, 2: 3 },
      { 0: 4, 1: 5, 2: 6.5 },
    ]);
  });

  test('bad arguments are refused with the usage', async () => {
    const one = await sluice('convert', 'only-one.csv');
    assert.equal(one.code, 1);
    assert.match(one.err, /expected IN\.csv OUT\.arrow/);
    const bad = await sluice('convert', 'a.csv', 'b.arrow', '--columns', 'x:int64');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /--columns: expected name:dtype/);
  });
});
