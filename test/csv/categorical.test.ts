// Categorical columns: the fast engine decodes text to int32 ids through a vocabulary and
// reads quoted fields without handing over; both engines give the same ids (differential,
// over generated files with quotes, "" escapes, delimiters and CR LF inside fields).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { csv, csvParallel, OptionError, shuffledCsv, Vocabulary } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-cat-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const write = (text: string) => {
  const f = join(dir, `f${n++}.csv`);
  writeFileSync(f, text);
  return f;
};

const MOVIES = 'movieId,title,genres\n1,"Toy Story (1995)",Adventure|Animation\n2,"Jumanji, the ""game"" (1995)",Adventure\n3,Heat (1995),"Action|Crime"\n4,"",Adventure\n';

test('a category column decodes to ids in first-seen order, quoted fields read on the fast engine', async () => {
  const ds = csv(write(MOVIES), { columns: { movieId: 'int32', title: 'category', genres: 'category' } });
  const [b] = await ds.batch(10).toArray();
  assert.equal(ds.stats.engine, 'fast', 'no hand-over to the general engine');
  assert.ok(b!.columns.title instanceof Int32Array);
  assert.deepEqual([...b!.columns.genres], [0, 1, 2, 1]);
  assert.deepEqual([...b!.columns.title], [0, 1, 2, 3]);
  assert.deepEqual(ds.vocabularies.title!.words, ['Toy Story (1995)', 'Jumanji, the "game" (1995)', 'Heat (1995)', '']);
  assert.deepEqual(ds.vocabularies.genres!.words, ['Adventure|Animation', 'Adventure', 'Action|Crime']);
  assert.deepEqual(ds.schema, { movieId: 'int32', title: 'int32', genres: 'int32' });
  // a second epoch keeps the ids
  assert.deepEqual((await ds.toArray()).map((r) => r.genres), [0, 1, 2, 1]);
  assert.equal(ds.vocabularies.genres!.size, 3);
});

test('a quoted field the byte loop cannot read (newline inside) goes through the general rules with the same vocabulary', async () => {
  const f = write('id,tag\n1,a\n2,"b\nc"\n3,a\n4,"d"\n');
  const ds = csv(f, { columns: { id: 'int32', tag: 'category' } });
  assert.deepEqual(await ds.toArray(), [{ id: 1, tag: 0 }, { id: 2, tag: 1 }, { id: 3, tag: 0 }, { id: 4, tag: 2 }]);
  assert.deepEqual(ds.vocabularies.tag!.words, ['a', 'b\nc', 'd']);
});

test('a given vocabulary is used and grown; toJSON / Vocabulary.from round-trip', async () => {
  const genres = Vocabulary.from(['Adventure', 'Comedy']);
  const ds = csv(write(MOVIES), { columns: { genres: 'category' }, vocabularies: { genres } });
  assert.deepEqual((await ds.toArray()).map((r) => r.genres), [2, 0, 3, 0]);
  const again = Vocabulary.from(JSON.parse(JSON.stringify(genres)));
  assert.deepEqual(again.words, genres.words);
  assert.equal(again.idOf('Action|Crime'), 3);
});

test('many distinct words: ids stay distinct and stable as the table grows', () => {
  const v = new Vocabulary();
  const words = Array.from({ length: 5000 }, (_, i) => `w${(i * 7919) % 100003}`);
  const ids = words.map((w) => {
    const b = Buffer.from(`,${w},`);
    return v.idOfBytes(b, 1, b.length - 1);
  });
  assert.deepEqual(ids, words.map((_, i) => i));
  assert.deepEqual(words.map((w) => v.idOf(w)), ids);
});

test('options: category columns are rejected where ranges decode apart; vocabularies checked', () => {
  const f = write(MOVIES);
  assert.throws(() => csvParallel(f, { columns: { genres: 'category' } as never }), (e: unknown) => e instanceof OptionError && /'category' columns \(genres\) are read by csv\(\) only/.test(e.message));
  assert.throws(() => shuffledCsv(f, { columns: { genres: 'category' } }).batch(2), /'category' columns/);
  assert.throws(() => csv(f, { columns: { genres: 'string' }, vocabularies: { genres: new Vocabulary() } }), /vocabularies.genres is given, but 'genres' is not a 'category' column/);
  assert.throws(() => csv(f, { columns: { genres: 'category' }, vocabularies: { genres: ['a'] as never } }), /must be a Vocabulary/);
});

const word = fc.oneof(
  fc.constantFrom('Action', 'Adventure|Animation', 'Crime', 'Sci-Fi|IMAX', 'é', ''),
  fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', ' ', '|', 'é', '\r'), maxLength: 6 }),
);
const quote = (w: string) => `"${w.replaceAll('"', '""')}"`;
const cell = (w: string, forceQuote: boolean) => (forceQuote || /[",\r\n]/.test(w) ? quote(w) : w);

test('fast and general engines give the same ids and vocabulary (property)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: -5, max: 5 }), word, fc.boolean(), word, fc.boolean()), { maxLength: 40 }), fc.boolean(), async (rows, crlf) => {
      const eol = crlf ? '\r\n' : '\n';
      const f = write('id,tag,skip' + eol + rows.map(([id, t, q, s, q2]) => `${id},${cell(t, q)},${cell(s, q2)}`).join(eol) + eol);
      const columns = { id: 'int32', tag: 'category' } as const;
      const fast = csv(f, { columns });
      const general = csv(f, { columns, engine: 'general' });
      const a = await fast.toArray();
      const b = await general.toArray();
      assert.deepEqual(a, b);
      assert.deepEqual(fast.vocabularies.tag!.words, general.vocabularies.tag!.words);
      assert.equal(fast.stats.engine, 'fast');
    }),
    { numRuns: 60, seed: 1 },
  );
});
