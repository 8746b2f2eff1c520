import { writeFile } from 'node:fs/promises';
import type { Command } from './command.js';
import { numberOption, parseCommandArgs } from './command.js';
import { OptionError } from '../src/errors.js';

const HELP = `sluice gen --rows N --out FILE [--seed S] [--users N] [--items N] [--format csv|tsv|dat] [--json OUT]

Writes a synthetic MovieLens-format ratings file drawn from a known model (latent factors,
biases, noise, half-star ratings, popularity skew, rows sorted by user) and prints the
true model's RMSE on the rows that \`sluice train --split 0.1\` holds out.
  --format   csv: ratings.csv with header (default); tsv: u.data; dat: ratings.dat (::)
  --json     also write the report (true RMSE, rows, users, items) as JSON`;

export const command: Command = {
  summary: 'write a synthetic MovieLens-format ratings file with a known true model',
  async run(argv) {
    const args = parseCommandArgs(
      argv,
      {
        rows: { type: 'string' },
        out: { type: 'string', short: 'o' },
        seed: { type: 'string' },
        users: { type: 'string' },
        items: { type: 'string' },
        format: { type: 'string' },
        json: { type: 'string' },
      },
      HELP,
    );
    if (args === undefined) return 0;
    const out = args.values.out ?? args.positionals[0];
    if (out === undefined) throw new OptionError(`--out FILE is required\n\n${HELP}`);
    const format = args.values.format ?? 'csv';
    if (format !== 'csv' && format !== 'tsv' && format !== 'dat') throw new OptionError(`--format must be csv, tsv or dat, got '${format}'`);
    // Loaded here, so `sluice --help` and other commands never load the training pipeline.
    const { generateRatings } = await import('../pipelines/synthetic/generate.js');
    const options: Parameters<typeof generateRatings>[1] = {
      rows: numberOption('rows', args.values.rows, 1_000_000, 1),
      seed: numberOption('seed', args.values.seed, 0),
      format,
    };
    if (args.values.users !== undefined) options.users = numberOption('users', args.values.users, 0, 1);
    if (args.values.items !== undefined) options.items = numberOption('items', args.values.items, 0, 1);
    const started = performance.now();
    const report = await generateRatings(out, options);
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `gen: wrote ${report.rows.toLocaleString('en')} ratings (${report.users.toLocaleString('en')} users × ${report.items.toLocaleString('en')} items) to ${out} in ${seconds.toFixed(1)} s\n` +
        `     true model RMSE ${report.trueRmse.toFixed(4)} overall, ${report.trueTestRmse.toFixed(4)} on the ${report.testRows.toLocaleString('en')} rows of a ${report.split} split (seed ${report.splitSeed})\n`,
    );
    if (args.values.json !== undefined) await writeFile(args.values.json, JSON.stringify({ ...report, seconds }, null, 2) + '\n');
    return 0;
  },
};
