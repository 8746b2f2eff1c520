// What both csv engines share, so that they agree to the bit: how a field's text becomes a
// number of each dtype, what counts as a bad row, and how a bad row is reported.
import type { DType, NumericDType, Schema } from '../chunk.js';
import { type BadRowInfo, DataError } from '../errors.js';

/** What to do with a bad row: throw (default), skip and count it, or call back and skip it. */
export type BadRowPolicy = 'error' | 'skip' | ((info: BadRowInfo) => void);

/** Figures of one epoch of a csv dataset; final once `complete` is true. */
export interface CsvStats {
  /** Rows yielded. */
  rows: number;
  /** Bad rows skipped under `onBadRow: 'skip'` or a callback. */
  skipped: number;
  /** Bytes decoded (after decompression). */
  bytes: number;
  /** The engine that decoded the epoch (auto's fast engine reads quoted rows by the general engine's rules, and stays 'fast'). */
  engine: 'fast' | 'general' | undefined;
  /** True once the epoch has been read to its end. */
  complete: boolean;
}

export function emptyStats(): CsvStats {
  return { rows: 0, skipped: 0, bytes: 0, engine: undefined, complete: false };
}

export const MAX_RAW = 200;

/** Applies the bad-row policy: throws a DataError, or counts the row as skipped. */
export class BadRows {
  constructor(
    private readonly policy: BadRowPolicy,
    private readonly stats: CsvStats,
  ) {}

  report(file: string, line: number, column: string | undefined, raw: string, reason: string): void {
    const info: BadRowInfo = { file, line, column, raw: raw.length > MAX_RAW ? raw.slice(0, MAX_RAW) : raw, reason };
    if (this.policy === 'error') throw new DataError(info);
    this.stats.skipped++;
    if (typeof this.policy === 'function') this.policy(info);
  }
}

/**
 * The number a field's text stands for in a column of `dtype`, or NaN when it is not one.
 * Both engines come here for anything but plain decimals, so they agree exactly:
 * `Number(text)` for the value (so "1e3", " 5", "0x10" are numbers; "", "NaN" are not),
 * integers in [-2^31, 2^31) for int32, float32 rounded from the float64 value.
 */
export function toNumber(text: string, dtype: NumericDType): number {
  if (text.trim() === '') return NaN;
  const v = Number(text);
  if (dtype === 'int32') return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 ? v | 0 : NaN;
  if (dtype === 'float32') return Math.fround(v);
  return v;
}

export function numberReason(text: string, dtype: NumericDType): string {
  return dtype === 'int32' ? `not an int32: ${JSON.stringify(text)}` : `not a number: ${JSON.stringify(text)}`;
}

export function countReason(expected: number, got: number): string {
  return `expected ${expected} fields, got ${got}`;
}

/** A line that holds nothing but whitespace (and no delimiter) is blank: skipped, not bad. */
export function isBlankLine(text: string, delimiter: string): boolean {
  return text.trim() === '' && !text.includes(delimiter);
}

export const NUMERIC: ReadonlySet<DType> = new Set<DType>(['int32', 'float32', 'float64']);

/** A csv column's dtype: a DType, or 'category' (text decoded to int32 ids through a vocabulary). */
export type CsvDType = DType | 'category';

/** Columns both engines decode into typed arrays: numbers, and categories as int32 ids. */
export const COLUMNAR: ReadonlySet<CsvDType> = new Set<CsvDType>(['int32', 'float32', 'float64', 'category']);

/** The schema a dataset reports for csv columns: a category column holds int32 ids. */
export function schemaOf(columns: Readonly<Record<string, CsvDType>>): Schema {
  return Object.fromEntries(Object.entries(columns).map(([k, d]) => [k, d === 'category' ? 'int32' : d]));
}

/** The typed-array dtype a csv column decodes to. */
export function arrayDType(dtype: CsvDType): NumericDType {
  return dtype === 'category' ? 'int32' : (dtype as NumericDType);
}

const INT_TEXT = /^\s*[-+]?\d+\s*$/;

/**
 * The dtype of a column guessed from sample texts: 'int32' when every value is written as
 * an integer in int32 range (so "4.0" is not), 'float64' when every value is a number, else
 * 'string'. No samples gives 'string'.
 */
export function inferDType(samples: readonly string[]): DType {
  if (samples.length === 0) return 'string';
  let int = true;
  for (const s of samples) {
    if (Number.isNaN(toNumber(s, 'float64'))) return 'string';
    if (int && !(INT_TEXT.test(s) && !Number.isNaN(toNumber(s, 'int32')))) int = false;
  }
  return int ? 'int32' : 'float64';
}

/**
 * Text for an error message: control characters (C0, DEL, C1, and the U+FFFD of bytes that
 * are not UTF-8) written as \xNN / \uNNNN escapes, so binary or UTF-16 input cannot put raw
 * control bytes into a terminal or a log.
 */
export function escapeText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
