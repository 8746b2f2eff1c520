// N trainer processes, each reading its shard of an s3:// dataset: the union of what they
// deliver is every row exactly once, also when the job is checkpointed with 4 processes and
// resumed with 2.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Coverage, type Receipt } from '../../src/shuffle/coverage.js';
import { joinPositions, type ShardPosition } from '../../src/shuffle/shard-plan.js';
import { hasS3rver, idRows, startS3, type S3Server } from '../helpers/s3-server.js';
import { csv } from '../../src/csv/reader.js';

const run = promisify(execFile);
const skip = (await hasS3rver()) ? false : 's3rver is not installed (npm install)';
const N = 6000;
let s3: S3Server;
let dir: string;
before(async () => {
  if (skip !== false) return;
  s3 = await startS3();
  dir = mkdtempSync(join(tmpdir(), 'sluice-shards-'));
  for (let f = 0; f < 3; f++) await s3.put(`parts/part-${f}.csv`, idRows(N / 3, (f * N) / 3));
});
after(async () => s3?.close());

interface Result {
  ids: number[];
  position: ShardPosition;
  receipt: Receipt;
}

async function child(count: number, index: number, take: number, resume: string): Promise<Result> {
  const out = join(dir, `out-${count}-${index}-${resume === '-' ? 'fresh' : 'resumed'}.json`);
  const args = ['--import', 'tsx', join(import.meta.dirname, 'shard-child.ts'), 's3://data/parts/', JSON.stringify(s3.store), String(count), String(index), String(take), resume, out];
  await run(process.execPath, args, { cwd: join(import.meta.dirname, '../..') });
  return JSON.parse(readFileSync(out, 'utf8')) as Result;
}

it('4 processes checkpointed part-way and resumed as 2 deliver every row exactly once', { skip }, async () => {
  const first = await Promise.all([0, 1, 2, 3].map((i) => child(4, i, [500, 0, 1200, 900][i]!, '-')));
  const job = join(dir, 'job.json');
  writeFileSync(job, JSON.stringify(joinPositions(first.map((r) => r.position))));
  const second = await Promise.all([0, 1].map((i) => child(2, i, -1, job)));
  const seen = new Uint8Array(N);
  for (const r of [...first, ...second]) for (const id of r.ids) seen[id]!++;
  const wrong = seen.findIndex((c) => c !== 1);
  assert.equal(wrong, -1, `row ${wrong} delivered ${seen[wrong]} times`);
  // The receipts agree with a plain read of the data (they cover what each process consumed here: whole chunks or all).
  const whole = new Coverage();
  for (let f = 0; f < 3; f++) for await (const c of csv(`s3://data/parts/part-${f}.csv`, { columns: { id: 'int32', a: 'int32', b: 'float64' }, store: s3.store }).chunks()) whole.add(c);
  assert.equal(whole.receipt().rows, N);
  const fresh = await Promise.all([0, 1, 2].map((i) => child(3, i, -1, '-')));
  assert.deepEqual(Coverage.sum(fresh.map((r) => r.receipt)), whole.receipt());
});
