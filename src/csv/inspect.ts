// inspect(): what a delimited file holds — delimiter, header, column dtypes, row count and
// min/max/mean per numeric column — in one streaming pass through csv().
import { stat } from 'node:fs/promises';
import { ColumnChunk, type DType } from '../chunk.js';
import { openBytes } from '../io/bytes.js';
import { isUrl } from '../io/source-kind.js';
import { csv } from './reader.js';
import { toNumber } from './fields.js';
import { sampleRows } from './records.js';
import { lineBlocks } from './lines.js';

export interface ColumnSummary {
  name: string;
  dtype: DType;
  /** For numeric columns: smallest, largest and mean value (undefined when there are no rows). */
  min?: number | undefined;
  max?: number | undefined;
  mean?: number | undefined;
}

export interface InspectResult {
  path: string;
  delimiter: string;
  header: boolean;
  columns: ColumnSummary[];
  rows: number;
  /** Rows skipped as bad (wrong field count, a non-number in a column typed numeric from the first rows). */
  badRows: number;
  /** Bytes decoded (after decompression). */
  bytes: number;
  engine: 'fast' | 'general' | undefined;
  seconds: number;
}

export interface InspectOptions {
  /** Skip detection and use this delimiter. */
  delimiter?: string;
  /** Skip detection: whether the first line is a header. */
  header?: boolean;
  /** Called now and then with bytes decoded and rows so far (for a progress bar). */
  onProgress?: (bytes: number, rows: number) => void;
}

const CANDIDATES = ['::', '\t', ',', ';', '|'];
const SAMPLE_LINES = 20;

/**
 * Detects the delimiter and header of a delimited file, then reads it once (streaming) for
 * column dtypes (inferred from the first rows, as csv() does), row count and min/max/mean
 * of numeric columns. Bad rows are skipped and counted.
 * @example
 * const info = await inspect('ratings.csv');
 * console.log(info.delimiter, info.rows, info.columns); // ',' 100836 [{ name: 'userId', dtype: 'int32', min: 1, … }, …]
 */
export async function inspect(pathOrUrl: string, options: InspectOptions = {}): Promise<InspectResult> {
  const started = performance.now();
  const head = await firstLines(pathOrUrl);
  const delimiter = options.delimiter ?? detectDelimiter(head);
  const header = options.header ?? detectHeader(head, delimiter);
  const ds = csv(pathOrUrl, { delimiter, header, onBadRow: 'skip' });
  let names: string[] | undefined;
  let min: number[] = [];
  let max: number[] = [];
  let sum: number[] = [];
  let rows = 0;
  for await (const chunk of ds.chunks()) {
    if (names === undefined) {
      names = Object.keys(ds.schema ?? {});
      min = names.map(() => Infinity);
      max = names.map(() => -Infinity);
      sum = names.map(() => 0);
    }
    const numeric = names.map((n) => ds.schema?.[n] !== 'string');
    if (chunk instanceof ColumnChunk) {
      names.forEach((name, k) => {
        const col = chunk.columns[name]!;
        let lo = min[k]!;
        let hi = max[k]!;
        let s = 0;
        for (let i = 0; i < col.length; i++) {
          const v = col[i]!;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
          s += v;
        }
        min[k] = lo;
        max[k] = hi;
        sum[k] = sum[k]! + s;
      });
      rows += chunk.size;
    } else {
      for (const rec of chunk) {
        names.forEach((name, k) => {
          if (!numeric[k]) return;
          const v = rec[name] as number;
          if (v < min[k]!) min[k] = v;
          if (v > max[k]!) max[k] = v;
          sum[k] = sum[k]! + v;
        });
      }
      rows += chunk.length;
    }
    options.onProgress?.(ds.stats.bytes, rows);
  }
  const schema = ds.schema ?? {};
  const columns: ColumnSummary[] = Object.keys(schema).map((name, k) => {
    const dtype = schema[name]!;
    if (dtype === 'string') return { name, dtype };
    return rows === 0 ? { name, dtype, min: undefined, max: undefined, mean: undefined } : { name, dtype, min: min[k], max: max[k], mean: sum[k]! / rows };
  });
  return {
    path: pathOrUrl,
    delimiter,
    header,
    columns,
    rows,
    badRows: ds.stats.skipped,
    bytes: ds.stats.bytes,
    engine: ds.stats.engine,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Size in bytes of a plain local file (for a progress total), else undefined. */
export async function fileSize(pathOrUrl: string): Promise<number | undefined> {
  if (isUrl(pathOrUrl) || pathOrUrl.toLowerCase().endsWith('.gz')) return undefined;
  try {
    return (await stat(pathOrUrl)).size;
  } catch {
    return undefined;
  }
}

/** The first lines of the file, as text (whole lines only). */
async function firstLines(pathOrUrl: string): Promise<string> {
  const blocks = lineBlocks(openBytes(pathOrUrl, { chunkBytes: 64 << 10 }), { offset: 0, alignStart: false });
  let text = '';
  let lines = 0;
  try {
    for await (const seg of blocks) {
      text += seg.toString('utf8');
      lines += seg.filter((b) => b === 0x0a).length;
      if (lines >= SAMPLE_LINES || text.length >= 1 << 16) break;
    }
  } finally {
    await blocks.return(undefined);
  }
  return text;
}

/** The candidate that splits every sample row into the same number (> 1) of fields; the most fields wins. */
export function detectDelimiter(text: string): string {
  let best = ',';
  let bestCount = 1;
  for (const d of CANDIDATES) {
    const rows = sampleRows(text, d, SAMPLE_LINES, false);
    if (rows === undefined || rows.length === 0) continue;
    const count = rows[0]!.length;
    if (count > bestCount && rows.every((r) => r.length === count)) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/** A header when the first row has a non-number where most next rows have numbers, or when every row is text. */
export function detectHeader(text: string, delimiter: string): boolean {
  const rows = sampleRows(text, delimiter, SAMPLE_LINES, false) ?? [];
  const first = rows[0];
  if (first === undefined) return false;
  const isNum = (s: string | undefined): boolean => s !== undefined && !Number.isNaN(toNumber(s, 'float64'));
  if (first.every(isNum)) return false;
  const rest = rows.slice(1);
  if (rest.length === 0) return true;
  // A bad row or two in the sample must not decide: a majority of numbers below is enough.
  const mostlyNumeric = (i: number): boolean => rest.filter((r) => isNum(r[i])).length * 2 > rest.length;
  return first.some((s, i) => !isNum(s) && mostlyNumeric(i)) || rest.every((r) => !r.some(isNum));
}
