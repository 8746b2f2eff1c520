import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { writeRatingsFile } from '../../bench/lib/ratings-file.js';
import { bench } from '../../cli/bench.js';
import { type BenchReport, countRows, fileFormat } from '../../cli/bench/harness.js';
import { byteDecode, fastCsvParse } from '../../cli/bench/plain-contenders.js';
import { DEFAULT_COLUMNS } from '../../cli/bench/protocol.js';
import { DEFAULT_PYTHON, pythonPeer } from '../../cli/bench/contenders/pytorch.js';
import { formatMarkdown, formatTable } from '../../cli/bench/report.js';
import { spread } from '../../cli/bench/stats.js';
import { OptionError } from '../../src/errors.js';

const ROWS = 20_000;
let dir: string;
let file: string;

/** Runs `bench` with its table kept out of the test output. */
function quiet(argv: string[]): Promise<BenchReport | undefined> {
  return bench(argv, { write: () => true });
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));
  file = path.join(dir, 'ratings.csv');
  writeRatingsFile(file, ROWS, 7);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('spread', () => {
  it('gives the median and range of any samples', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: -1e9, max: 1e9 }), { minLength: 1, maxLength: 20 }), (xs) => {
        const s = spread(xs);
        const sorted = [...xs].sort((a, b) => a - b);
        assert.equal(s.min, sorted[0]);
        assert.equal(s.max, sorted[sorted.length - 1]);
        assert.ok(s.min <= s.median && s.median <= s.max);
        assert.equal(xs.filter((x) => x < s.median).length <= xs.length / 2, true);
        assert.equal(xs.filter((x) => x > s.median).length <= xs.length / 2, true);
      }),
    );
    assert.deepEqual(spread([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4 });
  });
});

describe('plain contenders', () => {
  const args = (f: string, budgetS = 30) => ({ file: f, batch: 1024, shuffle: 100, seed: 1, budgetS, columns: DEFAULT_COLUMNS });

  it('count every row, with or without a final newline, LF or CRLF', async () => {
    const body = ['userId,movieId,rating,timestamp', '1,2,3.5,100', '1,3,4,101', '2,2,0.5,102'];
    for (const [name, text] of [
      ['lf.csv', body.join('\n') + '\n'],
      ['nolf.csv', body.join('\n')],
      ['crlf.csv', body.join('\r\n') + '\r\n'],
    ] as const) {
      const f = path.join(dir, name);
      fs.writeFileSync(f, text);
      assert.equal(countRows(f), 3, name);
      assert.equal((await byteDecode(args(f))).rows, 3, name);
      assert.equal((await fastCsvParse(args(f))).rows, 3, name);
    }
    assert.equal(countRows(file), ROWS);
  });

  it('byte-decode decodes the values it is asked for', async () => {
    const text = 'a,userId,rating,z\r\n7,1,3.5,x\r\n8,-2,0.25,y\r\n\r\n9,30000,5,q';
    const f = path.join(dir, 'values.csv');
    fs.writeFileSync(f, text);
    const seen: Record<string, number[]> = { userId: [], rating: [] };
    const r = await byteDecode({ ...args(f), columns: { userId: 'int32', rating: 'float64' } }, (cols, n) => {
      for (const k of Object.keys(seen)) seen[k]!.push(...cols[k]!.subarray(0, n));
    });
    assert.equal(r.rows, 3);
    assert.deepEqual(seen, { userId: [1, -2, 30000], rating: [3.5, 0.25, 5] });

    // Across 1 MiB blocks and chunks, every value of a generated file.
    const big = path.join(dir, 'big.csv');
    writeRatingsFile(big, 100_000, 3);
    const lines = fs.readFileSync(big, 'utf8').trimEnd().split('\n').slice(1);
    let i = 0;
    await byteDecode(args(big), (cols, n) => {
      for (let k = 0; k < n; k++, i++) {
        const [u, m, rating, ts] = lines[i]!.split(',').map(Number);
        assert.deepEqual([cols.userId![k], cols.movieId![k], cols.rating![k], cols.timestamp![k]], [u, m, Math.fround(rating!), ts]);
      }
    });
    assert.equal(i, 100_000);
  });

  it('stop at the time budget and say so', async () => {
    const r = await fastCsvParse(args(file, 1e-6));
    assert.equal(r.complete, false);
    assert.ok(r.rows < ROWS);
  });

  it("byte-decode reads a headerless file of '::' or tabs (ml-1m, ml-100k) as csv() does", async () => {
    const big = path.join(dir, 'big-for-formats.csv');
    writeRatingsFile(big, 30_000, 4);
    const lines = fs.readFileSync(big, 'utf8').trimEnd().split('\n').slice(1);
    for (const delimiter of ['::', '\t']) {
      const f = path.join(dir, `ratings-${delimiter === '::' ? 'colons' : 'tabs'}.dat`);
      fs.writeFileSync(f, lines.map((l) => l.split(',').join(delimiter)).join('\n') + '\n');
      const names = ['userId', 'movieId', 'rating', 'timestamp'];
      let i = 0;
      const r = await byteDecode({ ...args(f), delimiter, names }, (cols, n) => {
        for (let k = 0; k < n; k++, i++) {
          const [u, m, rating, ts] = lines[i]!.split(',').map(Number);
          assert.deepEqual([cols.userId![k], cols.movieId![k], cols.rating![k], cols.timestamp![k]], [u, m, Math.fround(rating!), ts]);
        }
      });
      assert.deepEqual([r.rows, i], [30_000, 30_000], delimiter);
    }
  });

  it('byte-decode names a column missing from the header', async () => {
    await assert.rejects(byteDecode({ ...args(file), columns: { nope: 'int32' } }), /column 'nope' is not in the header/);
  });
});

describe('sluice-cache contender', () => {
  it('builds the Arrow cache untimed, then times an epoch read from it', async () => {
    const { sluiceCache } = await import('../../cli/bench/contenders/sluice.js');
    const cachePath = path.join(dir, 'cache.arrow');
    const r = await sluiceCache({ file, batch: 1024, shuffle: 1000, seed: 1, budgetS: 30, columns: DEFAULT_COLUMNS, cachePath });
    assert.deepEqual([r.rows, r.complete], [ROWS, true]);
    assert.ok(fs.statSync(cachePath).size > 0);
  });
});

describe('recommended-pipeline contenders', () => {
  it('sluice-block and sluice-parallel deliver every row of the file, as tensors', async () => {
    const { sluiceBlock, sluiceParallel } = await import('../../cli/bench/contenders/sluice.js');
    const args = { file, batch: 1024, shuffle: 1000, seed: 1, budgetS: 30, columns: DEFAULT_COLUMNS };
    for (const run of [sluiceBlock, sluiceParallel]) {
      const r = await run(args);
      assert.deepEqual([r.rows, r.complete], [ROWS, true], run.name);
    }
    // A contender keeps its pipeline for later epochs (--warmup) per arguments, not per name.
    const other = path.join(dir, 'other.csv');
    writeRatingsFile(other, 3000, 8);
    assert.equal((await sluiceBlock({ ...args, file: other })).rows, 3000);
    assert.equal((await sluiceBlock(args)).rows, ROWS);
  });

  it("reads MovieLens's headerless files (ratings.dat with '::', u.data with tabs): every row, fast-csv and tfjs-data skipped for '::'", async () => {
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(1);
    const colons = path.join(dir, 'ratings.dat');
    fs.writeFileSync(colons, lines.map((l) => l.split(',').join('::')).join('\n') + '\n');
    assert.deepEqual(fileFormat(colons), { delimiter: '::', names: ['userId', 'movieId', 'rating', 'timestamp'] });
    const wide = path.join(dir, 'wide.dat');
    fs.writeFileSync(wide, '1::2::3.5::100::7\n1::3::4::101::8\n');
    assert.throws(() => fileFormat(wide), /no header line and 5 fields.*add a header line/);
    assert.equal(countRows(colons, false), ROWS);
    const report = (await quiet([colons, '--contenders', 'byte-decode,sluice-fast,sluice-block,fast-csv,tfjs-data', '--runs', '1']))!;
    assert.deepEqual(
      report.results.map((r) => [r.name, r.samples[0]!.rows]),
      ['byte-decode', 'sluice-fast', 'sluice-block'].map((n) => [n, ROWS]),
    );
    assert.deepEqual(report.skipped.map((s) => s.name), ['fast-csv', 'tfjs-data']);
    assert.match(formatTable(report), /ratings\.dat: 20,000 rows, [0-9.]+ MB \("::", no header line: userId, movieId, rating, timestamp\)/);
    assert.match(formatTable(report), /skipped fast-csv, tfjs-data: splits fields on one character; this file's delimiter is '::'/);

    const tabs = path.join(dir, 'u.data');
    fs.writeFileSync(tabs, lines.slice(0, 3000).map((l) => l.split(',').join('\t')).join('\n') + '\n');
    const tabbed = (await quiet([tabs, '--contenders', 'byte-decode,sluice-fast,fast-csv', '--runs', '1']))!;
    assert.deepEqual(tabbed.results.map((r) => r.samples[0]!.rows), [3000, 3000, 3000]);
    assert.deepEqual([tabbed.delimiter, tabbed.skipped], ['\t', []]);
    // A comma file with a header reads as before, and says nothing of its format.
    assert.doesNotMatch(formatTable((await quiet([file, '--contenders', 'byte-decode', '--runs', '1']))!), /no header line|"\,"/);
  });

  it('--warmup N: each child runs N untimed epochs first, then times one; 0 by default', async () => {
    const warm = (await quiet([file, '--contenders', 'byte-decode,sluice-block', '--runs', '1', '--warmup', '2']))!;
    assert.equal(warm.warmup, 2);
    for (const r of warm.results) assert.deepEqual([r.samples[0]!.rows, r.samples[0]!.warmupRows], [ROWS, 2 * ROWS], r.name);
    assert.match(formatTable(warm), /each timing its epoch after 2 untimed ones/);
    const cold = (await quiet([file, '--contenders', 'byte-decode', '--runs', '1']))!;
    assert.deepEqual([cold.warmup, cold.results[0]!.samples[0]!.warmupRows], [0, 0]);
    assert.doesNotMatch(formatTable(cold), /untimed/);
  });
});

describe('the Python peer', () => {
  /** A stand-in interpreter: answers the import probe, or records its arguments and reports `rows`. */
  function fakePython(name: string, probe: string, rows: number): { python: string; argsFile: string } {
    const python = path.join(dir, name);
    const argsFile = `${python}.args`;
    const report = JSON.stringify({ name: 'fake', pid: 1, peakRssMb: 1, cpuSeconds: 0.4, pageFaults: 10, warmupRows: 0, rows, seconds: 0.5, complete: true });
    fs.writeFileSync(
      python,
      `#!/bin/sh\ncase "$2" in import*) ${probe};; *) printf '%s\\0' "$@" > '${argsFile}'; echo '@@sluice-bench ${report}';; esac\n`,
      { mode: 0o755 },
    );
    return { python, argsFile };
  }

  it('is skipped with a one-line note where the interpreter is missing or lacks a module', async () => {
    const missing = path.join(dir, 'no-such-python3');
    const report = (await quiet([file, '--contenders', 'byte-decode,pytorch-stream,pytorch-dataloader', '--runs', '1', '--python', missing]))!;
    assert.deepEqual(report.results.map((r) => r.name), ['byte-decode']);
    assert.deepEqual(report.skipped.map((s) => s.name), ['pytorch-stream', 'pytorch-dataloader']);
    assert.match(report.skipped[0]!.reason, /no-such-python3 did not start \(ENOENT\)/);
    const notes = formatTable(report).split('\n').filter((l) => l.startsWith('skipped'));
    assert.deepEqual(notes, [`skipped pytorch-stream, pytorch-dataloader: ${missing} did not start (ENOENT)`]);

    const { python } = fakePython('python-without-torch', `echo "ModuleNotFoundError: No module named 'torch'" >&2; exit 1`, ROWS);
    const without = (await quiet([file, '--contenders', 'pytorch-stream', '--runs', '1', '--python', python]))!;
    assert.deepEqual(without.results, []);
    assert.deepEqual(without.skipped, [{ name: 'pytorch-stream', reason: `${python} has no module 'torch'` }]);
  });

  it("runs as the interpreter's own process, with the same file and shapes as the node contenders", async () => {
    const { python, argsFile } = fakePython('python-fake', 'echo python fake', ROWS);
    const report = (await quiet([file, '--contenders', 'pytorch-dataloader', '--runs', '1', '--batch', '512', '--shuffle', '777', '--python', python]))!;
    assert.deepEqual(report.skipped, []);
    assert.equal(report.python, `${python}: python fake`);
    assert.equal(report.results[0]!.samples[0]!.rows, ROWS);
    const argv = fs.readFileSync(argsFile, 'utf8').split('\0');
    const flag = (name: string): string => argv[argv.indexOf(name) + 1]!;
    assert.equal(argv[0], '-c');
    assert.match(argv[1]!, /DataLoader\(data, batch_size=a\.batch, shuffle=True\)/);
    assert.deepEqual(['--mode', '--file', '--batch', '--shuffle', '--columns', '--warmup'].map(flag), ['dataloader', file, '512', '777', 'userId:int32,movieId:int32,rating:float32,timestamp:int32', '0']);
  });

  it("is told a headerless file's delimiter and names ('::': ml-1m, ml-10m)", async () => {
    const colons = path.join(dir, 'peer-ratings.dat');
    fs.writeFileSync(colons, '1::2::3.5::100\n1::3::4::101\n');
    const { python, argsFile } = fakePython('python-fake-dat', 'echo python fake', 2);
    await quiet([colons, '--contenders', 'pytorch-stream', '--runs', '1', '--python', python]);
    const argv = fs.readFileSync(argsFile, 'utf8').split('\0');
    const flag = (name: string): string => argv[argv.indexOf(name) + 1]!;
    assert.deepEqual(['--delimiter', '--names'].map(flag), ['::', 'userId,movieId,rating,timestamp']);
  });

  const peer = pythonPeer(DEFAULT_PYTHON);
  it("reads a '::' file without a header line through pandas' C engine (where installed)", { skip: peer.ok ? false : peer.reason }, async () => {
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(1);
    const colons = path.join(dir, 'peer-real.dat');
    fs.writeFileSync(colons, lines.map((l) => l.split(',').join('::')).join('\n') + '\n');
    const report = (await quiet([colons, '--contenders', 'pytorch-stream,pytorch-dataloader', '--runs', '1', '--shuffle', '1000']))!;
    for (const r of report.results) assert.deepEqual([r.samples[0]!.rows, r.complete], [ROWS, true], r.name);
  });

  it('streams every row through pandas, numpy and torch (where they are installed)', { skip: peer.ok ? false : peer.reason }, async () => {
    const report = (await quiet([file, '--contenders', 'pytorch-stream,pytorch-dataloader', '--runs', '1', '--shuffle', '1000', '--warmup', '1']))!;
    assert.deepEqual(report.skipped, []);
    for (const r of report.results) assert.deepEqual([r.samples[0]!.rows, r.samples[0]!.warmupRows, r.complete], [ROWS, ROWS, true], r.name);
    assert.match(report.python ?? '', /pandas .*torch/);
  });
});

describe('sluice bench', () => {
  it('rejects bad options before running anything', async () => {
    await assert.rejects(quiet([file, '--contenders', 'nope']), OptionError);
    await assert.rejects(quiet([file, '--compare', '--contenders', 'byte-decode']), OptionError);
    await assert.rejects(quiet([file, '--runs', '0']), OptionError);
    await assert.rejects(quiet([file, '--batch', '2.5']), /--batch must be a whole number/);
    await assert.rejects(quiet([file, '--warmup', '1.5']), /--warmup must be a whole number/);
    await assert.rejects(quiet([file, '--warmup', '-1']), OptionError);
    await assert.rejects(quiet([file, '--columns', 'userId:int64']), /--columns/);
    await assert.rejects(quiet([]), OptionError);
    await assert.rejects(quiet([file, '--contenders', 'byte-decode', '--reference', 'sluice-fast']), /--reference: 'sluice-fast' is not among/);
  });

  it('runs each contender in its own process, alternating, and writes JSON and an SVG chart', async () => {
    // fast-csv and sluice-cache are run below (in this process), to keep the child count down.
    const names = ['byte-decode', 'sluice-fast', 'tfjs-data'];
    const json = path.join(dir, 'out', 'bench.json');
    const svg = path.join(dir, 'out', 'bench.svg');
    const returned = await quiet([file, '--contenders', names.join(','), '--runs', '2', '--shuffle', '1000', '--json', json, '--chart', svg]);
    const report = JSON.parse(fs.readFileSync(json, 'utf8')) as BenchReport;
    assert.deepEqual(report, JSON.parse(JSON.stringify(returned)));

    assert.equal(report.file, file);
    assert.match(report.command ?? '', /^sluice bench .* --runs 2 /);
    assert.equal(report.rows, ROWS);
    assert.equal(report.bytes, fs.statSync(file).size);
    const ran = report.results.map((r) => r.name);
    assert.deepEqual(ran, names);

    // Alternation: round 0 runs every contender once, then round 1 in the same order.
    assert.deepEqual(report.schedule, [...ran.map((n) => [0, n]), ...ran.map((n) => [1, n])]);

    // Isolation: a fresh child process per run, never the parent.
    const pids = report.results.flatMap((r) => r.samples.map((s) => s.pid));
    assert.equal(new Set(pids).size, ran.length * 2);
    assert.ok(!pids.includes(process.pid));

    const reference = report.results.find((r) => r.name === 'sluice-fast');
    for (const r of report.results) {
      assert.equal(r.runs, 2);
      assert.equal(r.samples.length, 2);
      for (const key of ['rowsPerSecond', 'mbPerSecond', 'peakRssMb', 'cpuSeconds', 'pageFaults'] as const) {
        const s = r[key];
        assert.ok(s.min > 0 && s.min <= s.median && s.median <= s.max, `${r.name} ${key}`);
        assert.deepEqual(s, spread(r.samples.map((x) => x[key])));
      }
      for (const s of r.samples) if (s.complete) assert.equal(s.rows, ROWS);
      // MB/s is rows/s times the file's mean row width.
      assert.ok(Math.abs(r.mbPerSecond.median - (r.rowsPerSecond.median * report.bytes) / report.rows / 1e6) < 1e-6 * r.mbPerSecond.median);
      if (reference === undefined) {
        assert.equal(r.ratio, null);
      } else {
        // The ratio is taken round by round against sluice-fast's run of the same round.
        const ratios = r.samples.map((s, i) => s.rowsPerSecond / reference.samples[i]!.rowsPerSecond);
        assert.equal(r.ratio, spread(ratios).median);
      }
    }
    if (reference !== undefined) assert.equal(reference.ratio, 1);

    const chart = fs.readFileSync(svg, 'utf8');
    assert.match(chart, /^<svg/);
    for (const n of ran) assert.ok(chart.includes(n), `chart names ${n}`);

    const table = formatTable(report);
    for (const n of ran) assert.ok(table.includes(n));
    assert.ok(formatMarkdown(report, 'sluice bench f.csv').includes('| byte-decode |'));
  });

  it("fails with the child's own error when a contender fails", async () => {
    await assert.rejects(quiet([file, '--contenders', 'byte-decode', '--runs', '1', '--columns', 'nope:int32']), (e: Error) => {
      assert.match(e.message, /contender byte-decode failed \(exit code 1\)/);
      assert.match(e.message, /column 'nope' is not in the header/);
      return true;
    });
  });

  it('reports a run cut by the budget as a prefix', async () => {
    const report = (await quiet([file, '--contenders', 'fast-csv', '--runs', '1', '--budget', '0.001']))!;
    const r = report.results[0]!;
    assert.equal(r.complete, false);
    assert.match(r.note ?? '', /prefix of .* of 20,000 rows/);
    assert.match(formatTable(report), /fast-csv \*/);
  });
});
