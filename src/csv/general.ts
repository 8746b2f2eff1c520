// The general csv engine: fast-csv's row parser (quoted fields, escaped quotes, newlines inside
// quotes) driven synchronously over decoded text, turning its string rows into records.
// We call fast-csv's Parser directly rather than its stream: the stream adds a transform per
// row and loses where each row starts, which the error messages need.
import { ParserOptions } from '@fast-csv/parse';
import { Parser } from '@fast-csv/parse/build/src/parser/Parser.js';
import { allocColumn, type Chunk, ColumnChunk, type NumericArray } from '../chunk.js';
import { SluiceError } from '../errors.js';
import type { Vocabulary } from './categorical.js';
import { arrayDType, type BadRows, COLUMNAR, countReason, type CsvDType, isBlankLine, numberReason, toNumber } from './fields.js';

/** Where each selected column comes from and what it becomes. */
export interface CsvLayout {
  /** File name for error messages. */
  readonly file: string;
  readonly delimiter: string;
  /** Every field of a row, in file order. */
  readonly fieldNames: readonly string[];
  /** The selected columns, in output order. */
  readonly outputs: readonly { readonly name: string; readonly field: number; readonly dtype: CsvDType }[];
  /** The vocabulary of each 'category' output (by output index); none in a layout sent to a worker. */
  readonly vocabularies?: readonly (Vocabulary | undefined)[];
}

export type CsvRecord = Record<string, number | string>;

// fast-csv takes a one-character delimiter. A longer one ('::') is swapped for a private-use
// character before parsing and swapped back inside fields afterwards.
const STAND_IN = '\uE000';
/** Quoted text held back for a row that has not ended yet, at most this long. */
const MAX_PENDING = 16 << 20;
/** Characters handed to fast-csv per call. */
const PIECE = 8192;

/** Splits text into rows of fields with fast-csv; for headers, samples and inspect. */
export function splitRows(text: string, delimiter: string, more = false): string[][] {
  const rows: string[][] = [];
  const split = new RowSplitter(delimiter);
  split.parse(text, more, rows);
  return rows;
}

/** fast-csv's Parser with multi-character delimiters. Throws fast-csv's errors. */
class RowSplitter {
  private readonly parser: Parser;
  private readonly multi: boolean;
  constructor(readonly delimiter: string) {
    this.multi = delimiter.length > 1;
    this.parser = new Parser(new ParserOptions({ delimiter: this.multi ? STAND_IN : delimiter, headers: false }));
  }

  /** Parses `text`; pushes complete rows; returns the unparsed rest. */
  parse(text: string, more: boolean, rows: string[][]): string {
    if (this.multi) {
      if (text.includes(STAND_IN)) {
        throw new SluiceError(`csv: the general engine cannot read text containing U+E000 with a multi-character delimiter`);
      }
      text = text.replaceAll(this.delimiter, STAND_IN);
    }
    const r = this.parser.parse(text, more);
    for (const row of r.rows) {
      if (this.multi) for (let i = 0; i < row.length; i++) if (row[i]!.includes(STAND_IN)) row[i] = row[i]!.replaceAll(STAND_IN, this.delimiter);
      rows.push(row);
    }
    return this.multi ? r.line.replaceAll(STAND_IN, this.delimiter) : r.line;
  }
}

/**
 * Decodes text, fed a run of whole lines at a time, into records. `line` is the 1-based line
 * where the next row starts; each row advances it by one plus the newlines inside its fields.
 */
export class GeneralDecoder {
  line: number;
  private readonly split: RowSplitter;
  private pending = '';
  private readonly rows: string[][] = [];
  private readonly checkOrder: number[];
  private readonly values: (number | string)[] = [];

  // Rows are gathered into chunks of `capacity`: typed-array columns when every selected
  // column is numeric (as the fast engine's, so batch() need not read objects), else records.
  private readonly columnar: boolean;
  private cols: NumericArray[] = [];
  private records: CsvRecord[] = [];
  private filled = 0;

  constructor(
    private readonly layout: CsvLayout,
    private readonly bad: BadRows,
    line: number,
    private readonly capacity: number,
  ) {
    this.line = line;
    this.columnar = layout.outputs.every((o) => COLUMNAR.has(o.dtype));
    if (this.columnar) this.cols = this.alloc();
    this.split = new RowSplitter(layout.delimiter);
    // Fields are checked left to right in the file, as the fast engine meets them.
    this.checkOrder = layout.outputs.map((_, k) => k).sort((a, b) => layout.outputs[a]!.field - layout.outputs[b]!.field);
  }

  /** Decodes `text` (whole lines; `more` false at the end of input), pushing full chunks to `out`. */
  decode(text: string, more: boolean, out: Chunk<CsvRecord>[]): void {
    // fast-csv's scanner slows down on long strings (it re-slices the rest of its input for
    // every token), so it gets pieces of a few KiB cut at line ends.
    let start = 0;
    while (text.length - start > PIECE) {
      let cut = text.lastIndexOf('\n', start + PIECE);
      if (cut < start) cut = text.indexOf('\n', start + PIECE);
      if (cut < 0) break;
      this.decodePiece(text.slice(start, cut + 1), true, out);
      start = cut + 1;
    }
    this.decodePiece(start === 0 ? text : text.slice(start), more, out);
  }

  private decodePiece(text: string, more: boolean, out: Chunk<CsvRecord>[]): void {
    const input = this.pending + text;
    this.pending = '';
    let rest: string;
    try {
      rest = this.split.parse(input, more, this.rows);
    } catch {
      this.rows.length = 0;
      this.recover(input, more, out);
      return;
    }
    this.emit(out, input.includes('"'));
    if (rest.length > MAX_PENDING) {
      this.bad.report(this.layout.file, this.line, undefined, rest, `unterminated quote (a quoted field ran past ${MAX_PENDING >> 20} MiB)`);
      this.line += countNewlines(rest);
      rest = '';
    }
    this.pending = rest;
  }

  /** After a parse error: line by line, so the bad row can be named and passed over. */
  private recover(input: string, more: boolean, out: Chunk<CsvRecord>[]): void {
    let pending = '';
    let start = 0;
    while (start < input.length) {
      const nl = input.indexOf('\n', start);
      const end = nl === -1 ? input.length : nl + 1;
      pending += input.slice(start, end);
      start = end;
      const last = end === input.length;
      try {
        pending = this.split.parse(pending, more || !last, this.rows);
        this.emit(out);
      } catch (e) {
        this.rows.length = 0;
        this.bad.report(this.layout.file, this.line, undefined, stripEol(pending), parseReason(e));
        this.line += countNewlines(pending) + (pending.endsWith('\n') ? 0 : 1);
        pending = '';
      }
    }
    this.pending = pending;
  }

  private emit(out: Chunk<CsvRecord>[], quoted = true): void {
    const { outputs, fieldNames, file, delimiter } = this.layout;
    const n = fieldNames.length;
    const order = this.checkOrder;
    const values = this.values;
    for (const row of this.rows) {
      const line = this.line;
      let newlines = 0;
      // Only a quoted field can hold a newline.
      if (quoted) for (let i = 0; i < row.length; i++) if (row[i]!.includes('\n')) newlines += countNewlines(row[i]!);
      this.line += 1 + newlines;
      if (row.length !== n || n === 1) {
        if (row.length === 0 || (row.length === 1 && isBlankLine(row[0]!, delimiter))) continue;
        if (row.length !== n) {
          this.bad.report(file, line, undefined, row.join(delimiter), countReason(n, row.length));
          continue;
        }
      }
      let ok = true;
      for (let j = 0; j < order.length; j++) {
        const k = order[j]!;
        const o = outputs[k]!;
        const text = row[o.field]!;
        if (o.dtype === 'string') {
          values[k] = text;
          continue;
        }
        if (o.dtype === 'category') {
          values[k] = this.layout.vocabularies![k]!.idOf(text);
          continue;
        }
        const v = toNumber(text, o.dtype);
        if (v !== v) {
          this.bad.report(file, line, o.name, row.join(delimiter), numberReason(text, o.dtype));
          ok = false;
          break;
        }
        values[k] = v;
      }
      if (!ok) continue;
      if (this.columnar) {
        const cols = this.cols;
        for (let k = 0; k < cols.length; k++) cols[k]![this.filled] = values[k] as number;
        if (++this.filled === this.capacity) out.push(this.take());
      } else {
        const rec: CsvRecord = {};
        for (let k = 0; k < outputs.length; k++) rec[outputs[k]!.name] = values[k]!;
        this.records.push(rec);
        if (this.records.length === this.capacity) out.push(this.take());
      }
    }
    this.rows.length = 0;
  }

  /** Pushes the partial chunk, if any, to `out`. */
  flush(out: Chunk<CsvRecord>[]): void {
    if (this.filled > 0 || this.records.length > 0) out.push(this.take());
  }

  private take(): Chunk<CsvRecord> {
    if (!this.columnar) {
      const r = this.records;
      this.records = [];
      return r;
    }
    const n = this.filled;
    const columns: Record<string, NumericArray> = {};
    this.layout.outputs.forEach((o, k) => (columns[o.name] = n === this.capacity ? this.cols[k]! : this.cols[k]!.subarray(0, n)));
    this.cols = this.alloc();
    this.filled = 0;
    return new ColumnChunk<CsvRecord>(n, columns);
  }

  private alloc(): NumericArray[] {
    return this.layout.outputs.map((o) => allocColumn(arrayDType(o.dtype), this.capacity));
  }
}

function parseReason(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  if (m.includes('missing closing')) return 'unterminated quote';
  if (m.includes('OR new line got')) return 'text after a closing quote';
  return m;
}

function stripEol(s: string): string {
  return s.endsWith('\r\n') ? s.slice(0, -2) : s.endsWith('\n') ? s.slice(0, -1) : s;
}

export function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
