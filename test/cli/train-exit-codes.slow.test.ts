// sluice train's exit codes (see its --help): 2 usage, 3 a checkpoint that cannot be
// resumed (damaged, of another run, already finished), 1 a file error. (4, a diverged run,
// is in train-flags.test.ts.) Damaged checkpoints are written with a valid checksum, as a
// bug in the writer would: only the checks on their content can catch them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sluice } from '../helpers/cli.js';
import { generateRatings } from '../../pipelines/synthetic/generate.js';
import { CHECKPOINT_FILE, type CheckpointHeader } from '../../pipelines/movielens/checkpoint.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-exit-'));
const file = path.join(dir, 'ratings.csv');
const ready = generateRatings(file, { rows: 3000, seed: 5 });
const common = ['--batch', '256', '--dim', '4', '--backend', 'cpu', '--loader', 'main', '--no-progress'];

/** Rewrites DIR's checkpoint through `edit` (header, array bytes) and seals it with a valid SHA-256. */
function rewrite(ckptDir: string, edit: (header: CheckpointHeader, arrays: Buffer) => void): void {
  const f = path.join(ckptDir, CHECKPOINT_FILE);
  const buf = fs.readFileSync(f);
  const n = buf.readUInt32LE(8);
  const header = JSON.parse(buf.toString('utf8', 12, 12 + n)) as CheckpointHeader;
  const start = 12 + n + ((4 - ((12 + n) % 4)) % 4);
  const arrays = Buffer.from(buf.subarray(start, buf.length - 32));
  edit(header, arrays);
  const json = Buffer.from(JSON.stringify(header));
  const head = Buffer.alloc(12 + json.length + ((4 - ((12 + json.length) % 4)) % 4));
  head.write('SLUICECK', 0, 'latin1');
  head.writeUInt32LE(json.length, 8);
  json.copy(head, 12);
  const body = Buffer.concat([head, arrays]);
  fs.writeFileSync(f, Buffer.concat([body, createHash('sha256').update(body).digest()]));
}

/** A fresh checkpoint directory holding the end of a 1-epoch run. */
async function finishedRun(name: string): Promise<string> {
  const ckpt = path.join(dir, name);
  const r = await sluice(['train', file, '--epochs', '1', ...common, '--checkpoint', ckpt]);
  assert.equal(r.code, 0, r.err);
  return ckpt;
}

test('a finished run is not silently re-run: exit 3 "already finished"; a larger --epochs trains on', async () => {
  await ready;
  const ckpt = await finishedRun('finished');
  const again = await sluice(['train', file, '--epochs', '1', ...common, '--checkpoint', ckpt]);
  assert.equal(again.code, 3, again.err);
  assert.match(again.err, /the run already finished 1 epochs, and --epochs is 1: nothing is left to train/);
  const more = await sluice(['train', file, '--epochs', '2', ...common, '--checkpoint', ckpt]);
  assert.equal(more.code, 0, more.err);
  assert.match(more.out, /resumed from epoch 1, batch 0/);
  assert.match(more.out, /epoch 2\/2: mean loss/);
  assert.doesNotMatch(more.out, /epoch 1\/2/);
});

test('damaged checkpoints exit 3 naming the damage: 0xFF tables, a cursor past the end, a flipped byte', async () => {
  await ready;
  const ckpt = await finishedRun('damaged');
  const pristine = fs.readFileSync(path.join(ckpt, CHECKPOINT_FILE));
  const cases: [string, () => void, RegExp][] = [
    ['0xFF tables', () => rewrite(ckpt, (_, arrays) => arrays.fill(0xff)), /userFactors\.table\[0\] is NaN: the tables hold non-finite values/],
    ['cursor past the end of an epoch', () => rewrite(ckpt, (h) => (h.cursor = { epoch: 0, position: 999 })), /damaged: its cursor \(epoch 0, batch 999\) is past the end of an epoch \(\d+ batches\)/],
    ['epoch past --epochs', () => rewrite(ckpt, (h) => (h.cursor = { epoch: 7, position: 0 })), /the run already finished 7 epochs, and --epochs is 2/],
    ['a flipped byte', () => {
      const b = Buffer.from(pristine);
      b[b.length - 100]! ^= 1;
      fs.writeFileSync(path.join(ckpt, CHECKPOINT_FILE), b);
    }, /checksum does not match/],
  ];
  for (const [what, damage, message] of cases) {
    fs.writeFileSync(path.join(ckpt, CHECKPOINT_FILE), pristine);
    damage();
    const r = await sluice(['train', file, '--epochs', '2', ...common, '--checkpoint', ckpt]);
    assert.equal(r.code, 3, `${what}: ${r.err}`);
    assert.match(r.err, message, what);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
});

test('a checkpoint of another run (wrong fingerprint) exits 3; a bad flag 2; a missing file 1', async () => {
  await ready;
  const ckpt = await finishedRun('other');
  const other = await sluice(['train', file, '--epochs', '2', ...common.map((a) => (a === '4' ? '8' : a)), '--checkpoint', ckpt]);
  assert.equal(other.code, 3, other.err);
  assert.match(other.err, /holds a checkpoint of a different run \(dim 4 → 8\)/);
  assert.equal((await sluice(['train', file, '--lr', 'fast'])).code, 2);
  const missing = await sluice(['train', path.join(dir, 'nope.csv'), ...common]);
  assert.equal(missing.code, 1, missing.err);
});

test('--columns maps a uid,iid,score,ts header; an unknown name exits 2 listing the header', async () => {
  await ready;
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(1);
  const custom = path.join(dir, 'custom.csv');
  fs.writeFileSync(custom, 'uid,iid,score,ts\n' + lines.join('\n') + '\n');
  const json = path.join(dir, 'custom.json');
  const r = await sluice(['train', custom, '--columns', 'user=uid,item=iid,rating=score', '--epochs', '1', ...common, '--json', json]);
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(fs.readFileSync(json, 'utf8')).rows + JSON.parse(fs.readFileSync(json, 'utf8')).testRows, 3000);
  const typo = await sluice(['train', custom, '--columns', 'user=user_id,item=iid,rating=score', ...common]);
  assert.equal(typo.code, 2);
  assert.match(typo.err, /columns: user='user_id' is not a column of .*custom\.csv \(its header: uid, iid, score, ts\)/);
  const unmapped = await sluice(['train', custom, ...common]);
  assert.equal(unmapped.code, 2);
  assert.match(unmapped.err, /its header \(uid, iid, score, ts\) has no userId column: name the columns with --columns/);
});
