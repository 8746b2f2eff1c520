import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Piscina } from 'piscina';
import { ColumnSlots, type SlotsWire } from '../../src/shuffle/columns.js';
import { decodeWindow, type WindowResult, windowBlocks } from '../../src/csv/worker-tasks.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-worker-tasks-'));
const names = ['userId', 'movieId', 'rating', 'timestamp'];
const columns = { userId: 'int32', movieId: 'int32', rating: 'float32', timestamp: 'int32' } as const;

test('a window task reads into the storage it is given and gives back, moved, what it did not use; the thread keeps none', async () => {
  const file = join(dir, 'ratings.csv');
  const body = Array.from({ length: 3000 }, (_, i) => `${i % 97},${i},${1 + (i % 9) / 2},${800000000 + i}`).join('\n') + '\n';
  writeFileSync(file, body); // no header line: the names come with the options
  const half = body.indexOf('\n', body.length >> 1) + 1;
  const layout = { names, dtypes: names.map((n) => columns[n as keyof typeof columns]) };
  const given = Array.from({ length: 5 }, () => new ColumnSlots(layout, 2000));
  const run = async (spares: SlotsWire[]): Promise<Exclude<WindowResult, { error: unknown }>> => {
    const task = { path: file, options: { columns, header: names }, window: { ranges: [[0, half], [half, body.length]] as [number, number][], seeds: [1, 2], next: new Int32Array(new SharedArrayBuffer(4)) }, spares };
    const moved = (await decodeWindow(task)) as Record<symbol, unknown>;
    const result = moved[Piscina.valueSymbol] as WindowResult;
    assert.ok(!('error' in result));
    return result;
  };
  const result = await run(given.map((g) => g.toWire([])));
  const back: ColumnSlots[] = [];
  const blocks = windowBlocks<Record<string, number>>(result, back);
  assert.deepEqual(blocks.map((b) => b.count).reduce((a, b) => a + b), 3000);
  // Two blocks read into two of the five given; the other three came back.
  const storage = (s: ColumnSlots) => s.toWire([]).storage;
  const givenStorage = new Set(given.map(storage));
  assert.equal(back.length, 3);
  for (const s of [...blocks.map((b) => b.slots!), ...back]) assert.ok(givenStorage.has(storage(s)), 'no fresh storage while given enough');
  // The thread kept nothing: a window given no storage allocates its own.
  const again = windowBlocks<Record<string, number>>(await run([]), back.splice(0));
  assert.equal(back.length, 0);
  for (const b of again) assert.ok(!givenStorage.has(storage(b.slots!)));
});
