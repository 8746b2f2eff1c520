// Unknown option names: plain-JS callers have no compiler to catch a typo, so every public
// function that takes an options object checks the names at run time, with a did-you-mean.
import { OptionError } from './errors.js';

/**
 * Throws an OptionError when `options` has a key that is not in `known`, naming the stage,
 * the key and the nearest known name (`did you mean 'epochs'?`). Keys whose value is
 * `undefined` are checked too: a misspelt name is wrong whatever its value.
 * @example
 * import { checkOptionNames } from 'sluice';
 * checkOptionNames('batch', { size: 32 }, ['size', 'dropLast']); // passes
 * // checkOptionNames('batch', { sise: 32 }, ['size']) throws: batch: unknown option 'sise' (did you mean 'size'?)
 */
export function checkOptionNames(stage: string, options: object | undefined | null, known: readonly string[]): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new OptionError(`${stage}: options must be an object, got ${Array.isArray(options) ? 'an array' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = nearestName(key, known);
    const hint = near === undefined ? ` (known: ${known.join(', ')})` : ` (did you mean '${near}'?)`;
    throw new OptionError(`${stage}: unknown option '${key}'${hint}`);
  }
}

/**
 * The candidate closest to `name` by edit distance (case-insensitive), when it is close
 * enough to be a typo: at most a third of the longer name's length, and at least 1.
 * A candidate that `name` is a prefix of (`--epoch` → `epochs`) also counts.
 * @example
 * nearestName('epoch', ['epochs', 'batch']); // 'epochs'
 */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  const a = name.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const b = c.toLowerCase();
    const d = b.startsWith(a) && a.length >= 3 ? 0.5 : distance(a, b);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(a.length, best.length) / 3));
  return bestD <= limit ? best : undefined;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
function distance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    row[0] = i;
    rows.push(row);
  }
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
