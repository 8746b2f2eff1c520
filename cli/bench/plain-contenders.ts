// The contenders that need no TensorFlow: the byte-loop ceiling and fast-csv's bare parse.
// Each runs inside its own child process (see child.ts) and returns what it measured.
import * as fs from 'node:fs';
import { parseFile } from 'fast-csv';
import type { NumericArray } from '../../src/chunk.js';
import { allocColumn } from '../../src/chunk.js';
import { SluiceError } from '../../src/errors.js';
import { type ContenderArgs, type ContenderResult, csvFormat } from './protocol.js';

const ROWS_PER_CHUNK = 4096;
const BLOCK_BYTES = 1 << 20;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * `byte-decode`: a bare byte loop that decodes the chosen numeric columns into typed-array
 * chunks and does nothing else — the ceiling for any JavaScript CSV reader. It parses field
 * by field (a tight loop per number, no per-byte state machine) and assumes what the
 * benchmark files hold: a header line (or `names`), the delimiter (`,` unless told: a longer
 * one, such as `::`, is found by its first byte), plain numbers, every row complete.
 * @example
 * await byteDecode({ file, batch: 1024, shuffle: 10000, seed: 1, budgetS: 30, columns: DEFAULT_COLUMNS });
 */
export async function byteDecode(
  args: ContenderArgs,
  /** Sees each decoded chunk (tests check the values); the arrays are reused for the next chunk. */
  onChunk?: (columns: Readonly<Record<string, NumericArray>>, rows: number) => void,
): Promise<ContenderResult> {
  const started = performance.now();
  const deadline = started + args.budgetS * 1000;
  const fd = fs.openSync(args.file, 'r');
  try {
    let buf = Buffer.allocUnsafe(2 * BLOCK_BYTES);
    let got = fs.readSync(fd, buf, 0, BLOCK_BYTES, null);
    const { delimiter, header } = csvFormat(args);
    const d0 = delimiter.charCodeAt(0);
    const extra = Buffer.byteLength(delimiter) - 1;
    const headerEnd = header === true ? buf.indexOf(10) : -1;
    if (header === true && (headerEnd < 0 || headerEnd >= got)) throw new SluiceError(`byte-decode: no header line in the first block of '${args.file}'`);
    const names = header === true ? buf.toString('utf8', 0, headerEnd).replace(/^\uFEFF/, '').replace(/\r$/, '').split(delimiter) : [...header];
    for (const want of Object.keys(args.columns)) {
      if (!names.includes(want)) throw new SluiceError(`byte-decode: column '${want}' is not in the header of '${args.file}' (${names.join(', ')})`);
    }
    // One target array per file column (null for columns not asked for), reused per chunk.
    const targets: (NumericArray | null)[] = names.map((n) => {
      const d = args.columns[n];
      return d === undefined ? null : allocColumn(d, ROWS_PER_CHUNK);
    });
    const chunkColumns: Record<string, NumericArray> = {};
    names.forEach((n, c) => {
      if (targets[c]) chunkColumns[n] = targets[c];
    });
    const ncols = names.length;
    let rows = 0;
    let row = 0; // row inside the current chunk
    const lineState: LineState = {
      targets,
      ncols,
      row: () => row,
      full: (n) => {
        onChunk?.(chunkColumns, n);
        rows += n;
      },
    };
    // ',' (the reference of every ratio): its own loop, the delimiter a constant; any other
    // delimiter, the same loop with the delimiter's bytes as variables.
    const lines = delimiter === ',' ? commaLines : (b: Buffer, from: number, to: number, st: LineState): number => delimitedLines(b, from, to, st, d0, extra);
    let start = headerEnd + 1;
    let end = got;
    let complete = true;
    for (;;) {
      const eof = got === 0;
      if (eof && start < end && buf[end - 1] !== 10) buf[end++] = 10; // a last line without a newline
      // Decode whole lines only; the rest carries over to the next block.
      const stop = end > start ? Math.max(start, buf.lastIndexOf(10, end - 1) + 1) : start;
      row = lines(buf, start, stop, lineState);
      if (eof) break;
      if (performance.now() > deadline) {
        complete = false;
        break;
      }
      const carry = end - stop;
      if (buf.length - carry < BLOCK_BYTES) {
        const bigger = Buffer.allocUnsafe(2 * buf.length);
        buf.copy(bigger, 0, stop, end);
        buf = bigger;
      } else {
        buf.copy(buf, 0, stop, end);
      }
      got = fs.readSync(fd, buf, carry, BLOCK_BYTES, null);
      start = 0;
      end = carry + got;
    }
    if (row > 0) onChunk?.(chunkColumns, row);
    rows += row;
    return { rows, seconds: (performance.now() - started) / 1000, complete };
  } finally {
    fs.closeSync(fd);
  }
}

/** What byte-decode's line loops read and update: the chunk's columns, and where its rows go once it is full. */
export interface LineState {
  readonly targets: readonly (NumericArray | null)[];
  readonly ncols: number;
  /** The row of the chunk the next line fills (the loops return the one after their last). */
  row(): number;
  /** The chunk holds `n` rows: hand it on (its arrays are filled again from row 0). */
  full(n: number): void;
}

/**
 * Decodes the whole lines of buf[start, stop) of a ','-separated file into `st`'s columns;
 * returns the next row of the chunk (bench/limit-parts.ts times it on bytes in memory). The
 * delimiter is a constant here: delimitedLines called with `,` (44, 0) ran ~14% slower (8
 * alternating runs, 10M rows: median 0.53 against 0.46 s), and this loop is what every ratio
 * is measured against.
 */
export function commaLines(buf: Buffer, start: number, stop: number, st: LineState): number {
  const { targets, ncols } = st;
  let row = st.row();
  let i = start;
  while (i < stop) {
    let ch = buf[i]!;
    if (ch === 10 || ch === 13) {
      i++; // blank line
      continue;
    }
    for (let c = 0; c < ncols; c++) {
      let v = 0;
      let scale = -1;
      let neg = false;
      ch = buf[i++]!;
      if (ch === 45) {
        neg = true;
        ch = buf[i++]!;
      }
      while (ch !== 44 && ch !== 10 && ch !== 13) {
        if (ch === 46) scale = 0;
        else {
          v = v * 10 + (ch - 48);
          if (scale >= 0) scale++;
        }
        ch = buf[i++]!;
      }
      const t = targets[c];
      if (t !== null && t !== undefined) {
        if (neg) v = -v;
        t[row] = scale > 0 ? v / POW10[scale]! : v;
      }
    }
    if (ch === 13) i++; // CRLF
    if (++row === ROWS_PER_CHUNK) {
      st.full(row);
      row = 0;
    }
  }
  return row;
}

/** commaLines for any delimiter: a field ends at the delimiter's first byte `d0`, and its `extra` bytes after it ('::': one) are stepped over. */
function delimitedLines(buf: Buffer, start: number, stop: number, st: LineState, d0: number, extra: number): number {
  const { targets, ncols } = st;
  let row = st.row();
  let i = start;
  while (i < stop) {
    let ch = buf[i]!;
    if (ch === 10 || ch === 13) {
      i++;
      continue;
    }
    for (let c = 0; c < ncols; c++) {
      let v = 0;
      let scale = -1;
      let neg = false;
      ch = buf[i++]!;
      if (ch === 45) {
        neg = true;
        ch = buf[i++]!;
      }
      while (ch !== d0 && ch !== 10 && ch !== 13) {
        if (ch === 46) scale = 0;
        else {
          v = v * 10 + (ch - 48);
          if (scale >= 0) scale++;
        }
        ch = buf[i++]!;
      }
      if (ch === d0) i += extra;
      const t = targets[c];
      if (t !== null && t !== undefined) {
        if (neg) v = -v;
        t[row] = scale > 0 ? v / POW10[scale]! : v;
      }
    }
    if (ch === 13) i++;
    if (++row === ROWS_PER_CHUNK) {
      st.full(row);
      row = 0;
    }
  }
  return row;
}

/**
 * `fast-csv`: fast-csv's own parse of the file with headers, rows counted and dropped —
 * no shuffle, no batch, no typed arrays (the issue asks for its bare parse).
 * @example
 * await fastCsvParse({ file, batch: 1024, shuffle: 10000, seed: 1, budgetS: 30, columns: DEFAULT_COLUMNS });
 */
export function fastCsvParse(args: ContenderArgs): Promise<ContenderResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const deadline = started + args.budgetS * 1000;
    let rows = 0;
    let settled = false;
    const finish = (complete: boolean): void => {
      if (settled) return;
      settled = true;
      resolve({ rows, seconds: (performance.now() - started) / 1000, complete });
    };
    const { delimiter, header } = csvFormat(args);
    const stream = parseFile(args.file, { headers: header === true ? true : [...header], delimiter });
    stream.on('data', () => {
      rows++;
      if ((rows & 1023) === 0 && performance.now() > deadline) {
        finish(false);
        stream.destroy();
      }
    });
    stream.on('error', (e) => {
      if (!settled) {
        settled = true;
        reject(e);
      }
    });
    stream.on('end', () => finish(true));
  });
}
