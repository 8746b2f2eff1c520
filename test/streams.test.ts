// A Dataset is an AsyncIterable: Node streams take it as it is.
import assert from 'node:assert/strict';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { fromStream, range } from '../src/index.js';

test('Readable.from(ds) streams the elements', async () => {
  const out: number[] = [];
  for await (const x of Readable.from(range(5).map((x) => x * 2))) out.push(x as number);
  assert.deepEqual(out, [0, 2, 4, 6, 8]);
});

test('stream.pipeline(ds, transform, writable) works, batches included', async () => {
  const sums: number[] = [];
  await pipeline(
    range(10).batch(4),
    new Transform({
      objectMode: true,
      transform(batch: number[], _enc, done) {
        done(null, batch.reduce((a, b) => a + b, 0));
      },
    }),
    new Writable({
      objectMode: true,
      write(sum: number, _enc, done) {
        sums.push(sum);
        done();
      },
    }),
  );
  assert.deepEqual(sums, [6, 22, 17]);
});

test('fromStream wraps a Readable per epoch, in object and byte mode', async () => {
  const ds = fromStream<number>(() => Readable.from([1, 2, 3]));
  assert.deepEqual(await ds.map((x) => x + 1).toArray(), [2, 3, 4]);
  assert.deepEqual(await ds.toArray(), [1, 2, 3], 'a second epoch opens a fresh stream');
  const bytes = fromStream<Buffer>(() => Readable.from([Buffer.from('ab'), Buffer.from('c')], { objectMode: false }));
  assert.equal(Buffer.concat(await bytes.toArray()).toString(), 'abc');
});

test('fromStream: a stream error rejects the consumer; break destroys the stream', async () => {
  const failing = fromStream(() => new Readable({ objectMode: true, read() { this.destroy(new Error('socket hang up')); } }));
  await assert.rejects(failing.toArray(), /socket hang up/);
  let stream: Readable | undefined;
  const endless = fromStream(() => (stream = new Readable({ objectMode: true, read() { this.push(1); } })));
  for await (const _ of endless) break;
  assert.ok(stream?.destroyed);
});
