import { writeFile } from 'node:fs/promises';
import { OptionError } from '../src/errors.js';
import { fileSize, inspect, type InspectResult } from '../src/csv/inspect.js';
import type { Command } from './command.js';
import { parseCommandArgs } from './command.js';
import { progress } from './progress.js';

const HELP = `sluice inspect FILE [--delimiter D] [--header|--no-header] [--json OUT]

Reads a delimited file (plain, .gz or an http(s) URL) once and prints its detected delimiter
and header, the dtype of each column (inferred from the first rows), the row count and
min/max/mean of each numeric column. Bad rows are skipped and counted.
  --delimiter  use this delimiter instead of detecting it (e.g. '::', or 'tab')
  --header     the first line is a header; --no-header: it is data
  --json       also write the result as JSON to OUT`;

export const command: Command = {
  summary: 'show a CSV file\'s delimiter, header, column types, row count and stats',
  async run(argv) {
    const args = parseCommandArgs(
      argv,
      { delimiter: { type: 'string', short: 'd' }, header: { type: 'boolean' }, 'no-header': { type: 'boolean' }, json: { type: 'string' } },
      HELP,
    );
    if (args === undefined) return 0;
    const path = args.positionals[0];
    if (path === undefined || args.positionals.length > 1) throw new OptionError(`expected one FILE\n\n${HELP}`);
    if (args.values.header && args.values['no-header']) throw new OptionError('--header and --no-header contradict each other');
    let delimiter = args.values.delimiter;
    if (delimiter === 'tab' || delimiter === '\\t') delimiter = '\t';
    const total = await fileSize(path);
    const bar = progress({ label: 'inspect', total, extra: '{rows} rows', initial: { rows: 0 } });
    let result: InspectResult;
    try {
      result = await inspect(path, {
        ...(delimiter === undefined ? {} : { delimiter }),
        ...(args.values.header ? { header: true } : args.values['no-header'] ? { header: false } : {}),
        onProgress: (bytes, rows) => bar.update(total === undefined ? rows : bytes, { rows: rows.toLocaleString('en') }),
      });
    } finally {
      bar.stop();
    }
    process.stdout.write(formatResult(result));
    if (args.values.json !== undefined) await writeFile(args.values.json, JSON.stringify(result, null, 2) + '\n');
    return 0;
  },
};

/** The result as a small table. */
export function formatResult(r: InspectResult): string {
  const fmt = (v: number | undefined): string => (v === undefined ? '' : Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))));
  const rows = r.columns.map((c) => [c.name, c.dtype, fmt(c.min), fmt(c.max), fmt(c.mean)]);
  const head = ['column', 'dtype', 'min', 'max', 'mean'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [
    `file       ${r.path}`,
    `delimiter  ${JSON.stringify(r.delimiter)}   header: ${r.header ? 'yes' : 'no'}   engine: ${r.engine ?? '-'}`,
    `rows       ${r.rows.toLocaleString('en')}${r.badRows > 0 ? `   (${r.badRows.toLocaleString('en')} bad rows skipped)` : ''}`,
    `bytes      ${r.bytes.toLocaleString('en')} in ${r.seconds.toFixed(2)} s`,
    '',
    line(head),
    ...rows.map(line),
    '',
  ].join('\n');
}
