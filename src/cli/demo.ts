import { range } from '../sources/range.js';
import type { Command } from './command.js';
import { parseCommandArgs, numberOption } from './command.js';

const HELP = `sluice demo [--rows N]

A small pipeline over generated ratings: map → shuffle(10k) → batch(1024), timed.`;

export const command: Command = {
  summary: 'run a small demo pipeline over generated ratings and time it',
  async run(argv) {
    const args = parseCommandArgs(argv, { rows: { type: 'string' } }, HELP);
    if (args === undefined) return 0;
    const rows = numberOption('rows', args.values.rows, 2_000_000, 1);
    const ratings = range(rows).map((i) => ({
      userId: (i * 7919) % 1000,
      movieId: (i * 104729) % 5000,
      rating: 0.5 + ((i * 31) % 10) / 2,
    }));
    const started = performance.now();
    let batches = 0;
    let sum = 0;
    for await (const b of ratings.shuffle(10_000, { seed: 1 }).batch(1024)) {
      batches++;
      for (let i = 0; i < b.size; i++) sum += b.columns.rating[i]!;
    }
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `demo: ${rows.toLocaleString('en')} ratings → ${batches} columnar batches in ${seconds.toFixed(2)} s ` +
        `(${((rows / seconds) / 1e6).toFixed(1)}M rows/s); mean rating ${(sum / rows).toFixed(3)}\n`,
    );
    return 0;
  },
};
