import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Chunk, Dataset, OptionError, range } from '../../src/index.js';

/** `chunks` one-element chunks, the first `slow` of them 3 ms apart (a timer); counts pulls. */
function source(chunks: number, slow: number): { ds: Dataset<number>; pulled: () => number } {
  let pulled = 0;
  const ds = new Dataset<number>({
    size: chunks,
    open: () =>
      (async function* (): AsyncGenerator<Chunk<number>, undefined> {
        for (let i = 0; i < chunks; i++) {
          if (i < slow) await sleep(3);
          pulled++;
          yield [i];
        }
        return undefined;
      })(),
  });
  return { ds, pulled: () => pulled };
}

/** How far ahead of the consumer the upstream got while the consumer paused after `first` chunks. */
async function ahead(depth: number | 'auto'): Promise<{ lead: number; out: number[] }> {
  const { ds, pulled } = source(400, 40);
  const it = ds.prefetch(depth).chunks()[Symbol.asyncIterator]();
  const out: number[] = [];
  for (let i = 0; i < 40; i++) out.push(...((await it.next()).value as number[])); // the consumer waits on a slow upstream
  await sleep(150); // then works; the upstream is fast now
  const lead = pulled() - out.length;
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    out.push(...(r.value as number[]));
  }
  return { lead, out };
}

test("prefetch('auto') reads further ahead after the consumer waited; a fixed depth does not; the elements are the same", async () => {
  const auto = await ahead('auto');
  const fixed = await ahead(2);
  assert.ok(auto.lead > 8 && auto.lead <= 64 + 1, `auto ran ${auto.lead} chunks ahead`);
  assert.ok(fixed.lead <= 3, `depth 2 ran ${fixed.lead} chunks ahead`);
  assert.deepEqual(auto.out, Array.from({ length: 400 }, (_, i) => i));
  assert.deepEqual(auto.out, fixed.out);
});

test("prefetch('auto') of a consumer that never waits stays shallow; bad depths are refused", async () => {
  const { ds, pulled } = source(100, 0);
  const it = ds.prefetch('auto').chunks()[Symbol.asyncIterator]();
  await it.next();
  await sleep(50);
  assert.ok(pulled() - 1 <= 3, `${pulled() - 1} ahead`);
  await it.return?.();
  assert.throws(() => range(3).prefetch(0), OptionError);
  assert.throws(() => range(3).prefetch('deep' as never), OptionError);
});
