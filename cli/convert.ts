import { stat, writeFile } from 'node:fs/promises';
import type { NumericDType } from '../src/chunk.js';
import { OptionError } from '../src/errors.js';
import { csv, type CsvOptions } from '../src/csv/reader.js';
import { fileFingerprint, type Fingerprinted, writeArrow } from '../src/stages/cache.js';
import type { Command } from './command.js';
import { parseCommandArgs } from './command.js';
import { progress } from './progress.js';

const HELP = `sluice convert IN.csv OUT.arrow [--columns name:dtype,…] [--delimiter D] [--header names|none] [--json OUT]

Decodes a CSV file once and writes its numeric columns as an Apache Arrow IPC file
(stamped with the CSV's path, size, mtime and the options), the format ds.cache(path)
writes and arrow(path) reads; pyarrow, DuckDB and Polars read it too. The file is a ready
cache for csv(IN, same options).cache(OUT).
  --columns    columns to keep and their dtypes, e.g. userId:int32,movieId:int32,rating:float32
               (default: every column, dtypes inferred; string columns are refused)
  --delimiter  field separator: ',' (default), '\\t', '::'
  --header     no header line: 'none' (columns named 0, 1, …) or the names, comma-separated
  --json       also write the figures (rows, bytes, seconds, rows/s) as JSON`;

const DTYPES = new Set(['int32', 'float32', 'float64']);

export const command: Command = {
  summary: 'convert a CSV file into an Arrow IPC file (the binary cache format)',
  async run(argv) {
    const args = parseCommandArgs(
      argv,
      {
        columns: { type: 'string' },
        delimiter: { type: 'string', short: 'd' },
        header: { type: 'string' },
        json: { type: 'string' },
      },
      HELP,
    );
    if (args === undefined) return 0;
    const [input, output, ...extra] = args.positionals;
    if (input === undefined || output === undefined || extra.length > 0) throw new OptionError(`expected IN.csv OUT.arrow\n\n${HELP}`);
    const options: CsvOptions = {};
    if (args.values.delimiter !== undefined) options.delimiter = args.values.delimiter === '\\t' ? '\t' : args.values.delimiter;
    if (args.values.header !== undefined) options.header = args.values.header === 'none' ? false : args.values.header.split(',');
    if (args.values.columns !== undefined) options.columns = parseColumns(args.values.columns);

    const inputBytes = (await stat(input)).size;
    const ds = csv(input, options);
    // The csv source's own stamp: the file written is then a valid csv(IN, same options).cache(OUT).
    const fingerprint = await ((ds.source as Partial<Fingerprinted>).fingerprint?.() ?? fileFingerprint(input, options));
    const bar = progress({ label: 'convert', total: inputBytes, extra: '{rows} rows' });
    const started = performance.now();
    let rows = 0;
    try {
      ({ rows } = await writeArrow(ds.source, output, fingerprint, () => bar.update(ds.stats.bytes, { rows: ds.stats.rows })));
    } finally {
      bar.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    const outputBytes = (await stat(output)).size;
    const figures = { input, output, rows, inputBytes, outputBytes, seconds, rowsPerSecond: rows / seconds, schema: ds.schema };
    process.stdout.write(
      `convert: ${rows.toLocaleString('en')} rows, ${mib(inputBytes)} CSV → ${mib(outputBytes)} Arrow (${output}) in ${seconds.toFixed(2)} s` +
        ` (${Math.round(rows / seconds).toLocaleString('en')} rows/s)\n`,
    );
    if (args.values.json !== undefined) await writeFile(args.values.json, JSON.stringify(figures, null, 2) + '\n');
    return 0;
  },
};

function parseColumns(spec: string): Record<string, NumericDType> {
  const out: Record<string, NumericDType> = {};
  for (const part of spec.split(',')) {
    const [name, dtype, more] = part.split(':');
    if (name === undefined || name === '' || dtype === undefined || more !== undefined || !DTYPES.has(dtype)) {
      throw new OptionError(`--columns: expected name:dtype with dtype int32, float32 or float64, got '${part}'`);
    }
    out[name] = dtype as NumericDType;
  }
  return out;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
