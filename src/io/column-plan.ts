// Which stored columns a columnar file reader (Arrow, Parquet) reads, and as which dtype:
// one rule for both formats, so `columns` means the same thing in arrow() and parquet().
import type { NumericDType } from '../chunk.js';

/** A column as the file stores it: its name, the dtype it maps to by default (undefined: not numeric), and its type in words. */
export interface StoredColumn {
  readonly name: string;
  readonly natural: NumericDType | undefined;
  readonly type: string;
}

/** One output column: where it is among the stored columns and the dtype it becomes. */
export interface ColumnPlan {
  readonly name: string;
  readonly index: number;
  readonly dtype: NumericDType;
}

/**
 * The wanted columns (each must exist and be numeric), or every numeric column at its
 * natural dtype when none are wanted. `fail` makes the format's own error.
 */
export function planColumns(
  stored: readonly StoredColumn[],
  wanted: Readonly<Record<string, NumericDType>> | undefined,
  fail: (message: string) => Error,
): ColumnPlan[] {
  if (wanted !== undefined) {
    return Object.entries(wanted).map(([name, dtype]) => {
      const index = stored.findIndex((c) => c.name === name);
      if (index < 0) throw fail(`no column '${name}' (has ${stored.map((c) => c.name).join(', ')})`);
      if (stored[index]!.natural === undefined) throw fail(`column '${name}' is ${stored[index]!.type}, not numeric`);
      return { name, index, dtype };
    });
  }
  const plan: ColumnPlan[] = [];
  stored.forEach((c, index) => {
    if (c.natural !== undefined) plan.push({ name: c.name, index, dtype: c.natural });
  });
  if (plan.length === 0) throw fail('no numeric columns');
  return plan;
}
