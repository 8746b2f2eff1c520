// What the bench harness and its child processes say to each other: the child gets its
// contender's settings on the command line and prints one marked JSON line of results.
import type { NumericDType } from '../../src/chunk.js';
import { OptionError } from '../../src/errors.js';

export type { ContenderArgs, ContenderResult } from './contenders/contender.js';
import type { ContenderArgs, ContenderResult } from './contenders/contender.js';

/** A child's report: the contender's result plus the process's own peak RSS. */
export interface ChildReport extends ContenderResult {
  readonly name: string;
  readonly pid: number;
  readonly peakRssMb: number;
  /** CPU seconds (user + system, every thread of the process) spent in the run: less sensitive than wall time to other load on the machine. */
  readonly cpuSeconds: number;
  /** Minor page faults (every thread): pages of fresh memory the run touched, each a trip into the kernel. */
  readonly pageFaults: number;
  /** Rows the untimed warm-up epochs delivered, all of them together (0 without --warmup). */
  readonly warmupRows: number;
}

/** Prefix of the line a child prints its report on (anything else on stdout is ignored). */
export const RESULT_MARKER = '@@sluice-bench ';

/** MovieLens ratings columns: what the benchmarks decode unless told otherwise. */
export const DEFAULT_COLUMNS: Readonly<Record<string, NumericDType>> = {
  userId: 'int32',
  movieId: 'int32',
  rating: 'float32',
  timestamp: 'int32',
};

/**
 * Parses `name:dtype,name:dtype` into a column map.
 * @example
 * parseColumns('userId:int32,rating:float32'); // { userId: 'int32', rating: 'float32' }
 */
export function parseColumns(spec: string): Record<string, NumericDType> {
  const out: Record<string, NumericDType> = {};
  for (const part of spec.split(',')) {
    const [name, dtype] = part.split(':');
    if (!name || (dtype !== 'int32' && dtype !== 'float32' && dtype !== 'float64')) {
      throw new OptionError(`--columns: expected name:int32|float32|float64 pairs separated by commas, got '${part}'`);
    }
    out[name] = dtype;
  }
  return out;
}

/** The inverse of parseColumns. */
export function formatColumns(columns: Readonly<Record<string, NumericDType>>): string {
  return Object.entries(columns)
    .map(([name, dtype]) => `${name}:${dtype}`)
    .join(',');
}

/** The flags every contender run takes, node child or Python peer alike: one place, so they never drift apart. */
export function runFlags(args: Pick<ContenderArgs, 'file' | 'batch' | 'shuffle' | 'seed' | 'budgetS' | 'columns' | 'warmup' | 'delimiter' | 'names'>): string[] {
  return [
    '--file', args.file,
    '--batch', String(args.batch),
    '--shuffle', String(args.shuffle),
    '--seed', String(args.seed),
    '--budget', String(args.budgetS),
    '--columns', formatColumns(args.columns),
    '--warmup', String(args.warmup ?? 0),
    ...(args.delimiter === undefined ? [] : ['--delimiter', args.delimiter]),
    ...(args.names === undefined ? [] : ['--names', args.names.join(',')]),
  ];
}

/**
 * The csv() options that read the file as the run's arguments describe it: its delimiter,
 * and its header line, or the names of a file without one.
 * @example
 * csv(args.file, { ...csvFormat(args), columns: args.columns });
 */
export function csvFormat(args: Pick<ContenderArgs, 'delimiter' | 'names'>): { delimiter: string; header: true | readonly string[] } {
  return { delimiter: args.delimiter ?? ',', header: args.names ?? true };
}
