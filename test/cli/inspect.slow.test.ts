import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sluice } from '../helpers/cli.js';
import { writeMovieLensFile } from '../helpers/movielens-file.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const run = (argv: string[]) => sluice(['inspect', ...argv]);

describe('sluice inspect', () => {
  it('prints the table and writes --json', async () => {
    const path = writeMovieLensFile(join(dir, 'ratings.csv'), { rows: 500 });
    const json = join(dir, 'out.json');
    const { code, out } = await run([path, '--json', json]);
    assert.equal(code, 0);
    assert.match(out, /delimiter\s+","\s+header: yes/);
    assert.match(out, /rows\s+500/);
    assert.match(out, /rating\s+float64\s+0\.5\s+5/);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(result.rows, 500);
    assert.equal(result.columns.length, 4);
  });

  it('takes --delimiter tab and --no-header', async () => {
    const path = writeMovieLensFile(join(dir, 'u.data'), { rows: 50, delimiter: '\t', integerRatings: true });
    const { out } = await run([path, '--delimiter', 'tab', '--no-header']);
    assert.match(out, /header: no/);
    assert.match(out, /rows\s+50/);
  });

  it('rejects a missing FILE and unknown options', async () => {
    const missing = await run([]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /FILE/);
    const unknown = await run(['x.csv', '--bogus']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /bogus/);
  });
});
