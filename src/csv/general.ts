// The general csv engine: fast-csv's row parser (quoted fields, escaped quotes, newlines inside
// quotes) driven synchronously over decoded text, turning its string rows into records.
// We call fast-csv's Parser directly rather than its stream: the stream adds a transform per
// row and loses where each row starts, which the error messages need.
import { allocColumn, type Chunk, ColumnChunk, type NumericArray } from '../chunk.js';
import { countNewlines, openQuoteReason, parseReason, recordEndIn, RowSplitter, type ScanState, stripEol } from './records.js';
import type { Vocabulary } from './categorical.js';
import { arrayDType, type BadRows, COLUMNAR, countReason, type CsvDType, isBlankLine, MAX_RAW, numberReason, toNumber } from './fields.js';

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

/** Characters of complete records handed to fast-csv per call (its scanner slows down on long strings). */
const PIECE = 8192;

/**
 * Decodes text, fed a run of whole lines at a time, into records. `line` is the 1-based line
 * where the next row starts; each row advances it by one plus the newlines inside its fields.
 * Records are found by one linear scan (recordEndIn), then parsed by fast-csv in pieces of
 * whole records. A record that does not parse, or whose quote is still open at the end of
 * input or past `maxRowBytes`, is a bad row at the line it starts on, and reading resumes at
 * the next line: one stray quote costs one bad row, never the rows after it, and never
 * more than linear time.
 */
export class GeneralDecoder {
  line: number;
  private readonly split: RowSplitter;
  /** Text not decoded yet: an unfinished record (starting at `line`) waiting for more lines. */
  private pending = '';
  /** Where the scan of `pending` for its record's end stopped (a long quoted field is scanned once). */
  private readonly state: ScanState = { inQuote: false, fieldStart: true };
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
    private readonly maxRowBytes: number = 16 << 20,
    /** Takes each numeric row instead of this decoder's chunks (the fast engine's, for a quoted row). */
    private readonly sink?: (values: readonly number[]) => void,
  ) {
    this.line = line;
    this.columnar = layout.outputs.every((o) => COLUMNAR.has(o.dtype));
    if (this.columnar && sink === undefined) this.cols = this.alloc();
    this.split = new RowSplitter(layout.delimiter);
    // Fields are checked left to right in the file, as the fast engine meets them.
    this.checkOrder = layout.outputs.map((_, k) => k).sort((a, b) => layout.outputs[a]!.field - layout.outputs[b]!.field);
  }

  /** True while an unfinished record waits for more lines. */
  get waiting(): boolean {
    return this.pending.length > 0;
  }

  /** Decodes `text` (whole lines; `more` false at the end of input), pushing full chunks to `out`. */
  decode(text: string, more: boolean, out: Chunk<CsvRecord>[]): void {
    const t = this.pending.length > 0 ? this.pending + text : text;
    const delimiter = this.layout.delimiter;
    const state = this.state; // the scan of a pending record resumes where it stopped
    let scan = this.pending.length;
    this.pending = '';
    let pos = 0;
    let batch = 0; // start of the complete records not parsed yet
    for (;;) {
      if (scan <= pos) (state.inQuote = false), (state.fieldStart = true); // a fresh record
      const end = recordEndIn(t, Math.max(pos, scan), delimiter, state);
      scan = 0;
      if (end >= 0 && end - pos <= this.maxRowBytes) {
        pos = end;
        if (pos - batch >= PIECE) pos = batch = this.parseRecords(t, batch, pos, out);
        continue;
      }
      if (pos > batch) {
        const stop = this.parseRecords(t, batch, pos, out);
        const clean = stop === pos;
        pos = batch = stop;
        if (!clean) continue; // a bad record: scan again from the line after its start
      }
      if (pos >= t.length) break;
      if (end < 0 && more && t.length - pos <= this.maxRowBytes) {
        this.pending = t.slice(pos); // an open record: wait for more lines
        return;
      }
      // A quote still open at the end of input, or a row past maxRowBytes: the row where it opened is bad.
      const nl = t.indexOf('\n', pos);
      const stop = nl < 0 ? t.length : nl + 1;
      this.bad.report(this.layout.file, this.line, undefined, stripEol(t.slice(pos, Math.min(stop, pos + 4 * MAX_RAW))), openQuoteReason(end < 0 && !more, this.maxRowBytes));
      this.line++;
      pos = batch = stop;
    }
    state.inQuote = false;
    state.fieldStart = true;
  }

  /** Parses one complete record (a quoted row the fast engine hands over) and emits its row; false (and reported) when it does not parse. */
  record(text: string, out: Chunk<CsvRecord>[]): boolean {
    try {
      this.split.parse(text, false, this.rows);
    } catch (err) {
      this.rows.length = 0;
      const nl = text.indexOf('\n') + 1;
      this.bad.report(this.layout.file, this.line, undefined, stripEol(text.slice(0, Math.min(nl > 0 ? nl : text.length, 4 * MAX_RAW))), parseReason(err));
      this.line++;
      return false;
    }
    this.emit(out, true);
    return true;
  }

  /**
   * Parses the complete records in t[from, to) and emits their rows; returns `to`, or, when a
   * record does not parse, reports it and returns where the line after its start begins.
   */
  private parseRecords(t: string, from: number, to: number, out: Chunk<CsvRecord>[]): number {
    const piece = t.slice(from, to);
    let parsed = true;
    try {
      this.split.parse(piece, false, this.rows);
    } catch {
      this.rows.length = 0;
      parsed = false;
    }
    if (parsed) {
      this.emit(out, piece.includes('"')); // outside the try: a bad row's DataError goes to the caller
      return to;
    }
    // Record by record, to name the bad one.
    for (let s = from; s < to; ) {
      const e = recordEndIn(t, s, this.layout.delimiter);
      if (!this.record(t.slice(s, e), out)) return t.indexOf('\n', s) + 1;
      s = e;
    }
    return to;
  }

  private emit(out: Chunk<CsvRecord>[], quoted: boolean): void {
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
      if (this.sink !== undefined) this.sink(values as number[]);
      else if (this.columnar) {
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


