// Flag parsing shared by the bench scripts: `--name value` pairs with defaults.
import { parseArgs } from 'node:util';

/**
 * Parses `--flag value` options of a bench script; every flag takes a string value.
 * @example
 * const flags = benchFlags({ rows: '10000000', runs: '3' }); // flags.rows === '10000000' unless given
 */
export function benchFlags<K extends string>(defaults: Record<K, string>, argv = process.argv.slice(2)): Record<K, string> {
  const options = Object.fromEntries(Object.keys(defaults).map((k) => [k, { type: 'string' as const }]));
  const { values } = parseArgs({ args: argv, options, strict: true });
  return { ...defaults, ...(values as Partial<Record<K, string>>) };
}

/** A positive integer flag, or a clear error naming it. */
export function intFlag(name: string, value: string): number {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got '${value}'`);
  return n;
}
