// The fast csv engine: a byte loop from file blocks straight into typed-array columns.
// It reads unquoted files whose selected columns are all numeric. Plain decimals
// ("-12", "3.5", at most 15 digits) are built from their digits: an integer mantissa below
// 2^53 divided by an exact power of ten is the correctly rounded value, so it equals
// Number(text). Anything else goes through the same toNumber() as the general engine.
import { allocColumn, ColumnChunk, type NumericArray, type NumericDType } from '../chunk.js';
import { type AllocateColumns, freshColumns } from '../buffer-pool.js';
import { FieldScanner, type Vocabulary } from './categorical.js';
import { arrayDType, type BadRows, countReason, isBlankLine, numberReason, toNumber } from './fields.js';
import type { CsvLayout } from './general.js';
import { delimAt, fieldEnd, rawLine } from './scan.js';
import { type SimdRows, simdRows } from './simd.js';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const MINUS = 0x2d;
const DOT = 0x2e;
const INT32 = 0;
const CATEGORY = 2;
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/** Why decode() returned. */
export const enum Stop {
  /** The output chunk is full: take() it and call again. */
  Full,
  /** The block is used up. */
  End,
  /** A row holds a quote: the general engine must take over at the returned position. */
  Quote,
}

export class FastDecoder {
  /** 1-based line where the next row starts. */
  line: number;
  stop: Stop = Stop.End;
  /** Columns of the chunk being filled; made when a row needs them, not at take() (a last take would waste them). */
  private cols: NumericArray[] | undefined;
  private filled = 0;
  private readonly slots: Int32Array;
  private readonly kinds: Uint8Array;
  private readonly dtypes: NumericDType[];
  private readonly delim: Buffer;
  private readonly nFields: number;
  /** Quoted and categorical fields (see categorical.ts). */
  private readonly scanner: FieldScanner;
  private readonly vocabs: readonly (Vocabulary | undefined)[];
  /** The WebAssembly kernel for the plain rows, where the layout allows it (see simd.ts). */
  private readonly simd: SimdRows | undefined;
  /** Rows the byte loop decodes after the kernel stopped at one it does not take; doubles while the kernel keeps stopping at once. */
  private byteRows = 16;

  constructor(
    private readonly layout: CsvLayout,
    private readonly bad: BadRows,
    line: number,
    /** Rows per chunk. */
    private readonly capacity: number,
    /** Quotes are bad rows (engine 'fast') rather than a hand-over (engine 'auto'). */
    private readonly quotesAreBad: boolean,
    /** Makes a chunk's columns (a reader that recycles them passes its own). */
    private readonly allocate: AllocateColumns = freshColumns,
  ) {
    this.line = line;
    this.nFields = layout.fieldNames.length;
    this.slots = new Int32Array(this.nFields).fill(-1);
    this.dtypes = layout.outputs.map((o) => arrayDType(o.dtype));
    this.kinds = Uint8Array.from(layout.outputs, (o) => (o.dtype === 'category' ? CATEGORY : o.dtype === 'int32' ? INT32 : 1));
    this.vocabs = layout.vocabularies ?? [];
    layout.outputs.forEach((o, k) => (this.slots[o.field] = k));
    this.delim = Buffer.from(layout.delimiter, 'utf8');
    this.scanner = new FieldScanner(this.delim);
    this.simd = simdRows(layout);
  }

  get size(): number {
    return this.filled;
  }

  /** The rows decoded so far as a chunk; starts a new one. */
  take(): ColumnChunk {
    const columns: Record<string, NumericArray> = {};
    const n = this.filled;
    const cols = this.cols ?? this.dtypes.map((d) => allocColumn(d, 0));
    this.layout.outputs.forEach((o, k) => (columns[o.name] = n === cols[k]!.length ? cols[k]! : cols[k]!.subarray(0, n)));
    this.cols = undefined;
    this.filled = 0;
    return new ColumnChunk(n, columns);
  }

  /**
   * Adds a row decoded elsewhere (a quoted row, read by the general engine's rules). A row
   * that finds the chunk full first moves it to `full`, for the caller to take.
   */
  push(values: readonly number[]): void {
    if (this.filled === this.capacity) this.full.push(this.take());
    const cols = (this.cols ??= this.allocate(this.dtypes, this.capacity));
    for (let k = 0; k < cols.length; k++) cols[k]![this.filled] = values[k]!;
    this.filled++;
  }

  /** Chunks that push() filled, oldest first. */
  readonly full: ColumnChunk[] = [];

  /**
   * Decodes rows of `buf` from `pos` (a line start) until the chunk is full, the block ends or
   * a quote is met; returns where it stopped. `buf` must end with a newline. The
   * WebAssembly kernel (simd.ts) takes the plain rows, the byte loop every other one.
   */
  decode(buf: Buffer, pos: number): number {
    const simd = this.simd;
    if (simd === undefined) return this.decodeBytes(buf, pos, this.capacity);
    const end = buf.length;
    for (;;) {
      if (pos >= end || this.filled === this.capacity) {
        this.stop = pos >= end ? Stop.End : Stop.Full;
        return pos;
      }
      const cols = (this.cols ??= this.allocate(this.dtypes, this.capacity));
      pos = simd.decode(buf, pos, end, cols, this.filled, this.capacity - this.filled);
      this.filled += simd.rows;
      this.line += simd.rows;
      if (!simd.declined) continue; // the window's end, or the rows asked for
      // A row the kernel declines: the byte loop takes it and more (twice as many while the kernel gets < 64).
      this.byteRows = simd.rows >= 64 ? 16 : Math.min(2 * this.byteRows, 1 << 16);
      pos = this.decodeBytes(buf, pos, Math.min(this.capacity, this.filled + this.byteRows));
      if (this.stop === Stop.Quote) return pos;
    }
  }

  /**
   * The byte loop: decodes rows of `buf` from `pos` until `limit` rows are filled (Stop.Full),
   * the block ends or a quote is met; returns where it stopped.
   * This is the decode hot loop, and the reference decoder: one pass over the bytes with the row, field and number
   * state in locals. It stays one function because splitting it (a call per field or per
   * row, state moved to fields) costs the engine a measured share of its speed
   * (bench/csv.ts); the per-field slow paths (fieldEnd, toNumber, bad rows) are out of it.
   */
  private decodeBytes(buf: Buffer, pos: number, limit: number): number {
    const end = buf.length;
    const slots = this.slots;
    const kinds = this.kinds;
    if (pos >= end) {
      this.stop = Stop.End;
      return pos;
    }
    const cols = (this.cols ??= this.allocate(this.dtypes, this.capacity));
    const nFields = this.nFields;
    const d0 = this.delim[0]!;
    const multi = this.delim.length > 1;
    const dlen = this.delim.length;
    const cap = limit;
    let filled = this.filled;
    let line = this.line;
    this.stop = Stop.End;
    while (pos < end) {
      if (filled === cap) {
        this.stop = Stop.Full;
        break;
      }
      let c = buf[pos]!;
      if (c === LF || (c === CR && buf[pos + 1] === LF)) {
        pos += c === LF ? 1 : 2; // blank line
        line++;
        continue;
      }
      const rowStart = pos;
      let i = pos;
      let field = 0;
      let badField = -1;
      let badText = '';
      let quote = false;
      for (;;) {
        const s = field < nFields ? slots[field]! : -1;
        if (s >= 0 && kinds[s] === CATEGORY) {
          const e = this.category(buf, i, cols[s]!, filled, s);
          if (e < 0) {
            quote = true;
            break;
          }
          c = buf[(i = e)]!;
        } else if (s >= 0) {
          const fs = i;
          c = buf[i]!;
          const neg = c === MINUS;
          if (neg) c = buf[++i]!;
          let m = 0;
          let nd = 0;
          let scale = 0;
          while (c >= 0x30 && c <= 0x39) {
            m = m * 10 + (c - 0x30);
            nd++;
            c = buf[++i]!;
          }
          if (c === DOT) {
            c = buf[++i]!;
            while (c >= 0x30 && c <= 0x39) {
              m = m * 10 + (c - 0x30);
              nd++;
              scale++;
              c = buf[++i]!;
            }
          }
          const atEnd = c === LF || (multi ? c === d0 && delimAt(buf, i, this.delim) : c === d0) || (c === CR && buf[i + 1] === LF);
          if (atEnd && nd > 0 && nd <= 15 && (kinds[s] !== INT32 || (scale === 0 && m <= (neg ? 2147483648 : 2147483647)))) {
            const v = scale === 0 ? m : m / POW10[scale]!;
            cols[s]![filled] = neg ? -v : v;
          } else {
            // Not a plain decimal: find the field's end and use toNumber, as the general engine does.
            const e = fieldEnd(buf, fs, this.delim);
            if (e < 0) {
              quote = true;
              break;
            }
            i = e;
            const te = buf[i] === LF && i > fs && buf[i - 1] === CR ? i - 1 : i;
            const text = buf.toString('utf8', fs, te);
            const v = toNumber(text, this.dtypes[s]!);
            if (Number.isNaN(v) && badField < 0) {
              badField = field;
              badText = text;
            }
            cols[s]![filled] = v;
          }
          c = buf[i]!;
        } else {
          // A field we skip: only look for its end (a quoted one through the scanner).
          c = buf[i]!;
          if (c === QUOTE) {
            const e = this.scanner.scan(buf, i);
            if (e < 0) {
              quote = true;
              break;
            }
            c = buf[(i = e)]!;
          } else for (;;) {
            if (c === LF || c === QUOTE) break;
            if (c === d0 && (!multi || delimAt(buf, i, this.delim))) break;
            c = buf[++i]!;
          }
          if (c === QUOTE) {
            quote = true;
            break;
          }
        }
        if (c === CR) c = buf[++i]!; // CR LF (checked above)
        if (c === LF) break;
        i += dlen; // a delimiter
        field++;
      }
      if (quote) {
        if (!this.quotesAreBad) {
          this.stop = Stop.Quote;
          this.filled = filled;
          this.line = line;
          return rowStart;
        }
        i = buf.indexOf(LF, i);
        line++;
        pos = i + 1;
        this.bad.report(this.layout.file, line - 1, undefined, rawLine(buf, rowStart, i), `quoted field (the fast engine reads unquoted files only; use engine 'general' or 'auto')`);
        continue;
      }
      pos = i + 1;
      line++;
      if (field + 1 === nFields && badField < 0) {
        filled++;
        continue;
      }
      const raw = rawLine(buf, rowStart, i);
      if (isBlankLine(raw, this.layout.delimiter)) continue;
      if (field + 1 !== nFields) this.bad.report(this.layout.file, line - 1, undefined, raw, countReason(nFields, field + 1));
      else {
        const k = slots[badField]!;
        this.bad.report(this.layout.file, line - 1, this.layout.outputs[k]!.name, raw, numberReason(badText, this.dtypes[k]!));
      }
    }
    this.filled = filled;
    this.line = line;
    return pos;
  }

  /** Decodes the category field at `i` into `col[row]`; returns where the field ends, -1 when the general engine must read it. */
  private category(buf: Buffer, i: number, col: NumericArray, row: number, slot: number): number {
    const vocab = this.vocabs[slot]!;
    if (this.delim.length === 1) {
      const e = vocab.decodeField(buf, i, this.delim[0]!, col as Int32Array, row);
      if (e >= 0) return e;
    }
    const sc = this.scanner;
    const e = sc.scan(buf, i);
    if (e < 0) return -1;
    col[row] = sc.escaped ? vocab.idOf(sc.text(buf)) : vocab.idOfBytes(buf, sc.start, sc.end);
    return e;
  }
}
