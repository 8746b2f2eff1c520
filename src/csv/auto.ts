// The fast engine with quoted rows: unquoted rows go through the byte loop; a row holding a
// quote is found by the same record scan as the general engine's, parsed by its rules and
// written into the same chunk, and the byte loop goes on after it. A quote left open past
// maxRowBytes or to the end of the input is a bad row at the line it opened, and reading
// resumes at the next line, as in the general engine, so both engines agree row for row.
// One stray quote costs one scan to its row's end (or maxRowBytes), not the rest of the epoch.
import type { Chunk, ColumnChunk } from '../chunk.js';
import type { AllocateColumns } from '../buffer-pool.js';
import { FastDecoder, Stop } from './fast.js';
import { type BadRows, MAX_RAW } from './fields.js';
import { type CsvLayout, type CsvRecord, GeneralDecoder } from './general.js';
import { openQuoteReason, recordEndBytes, type ScanState, stripEol } from './records.js';

const LF = 0x0a;

/** Decodes whole-line blocks of a numeric layout into column chunks. */
export class AutoDecoder {
  private readonly fast: FastDecoder;
  private readonly quoted: GeneralDecoder;
  /** The blocks of a quoted row still open, from its start. */
  private open: Buffer[] = [];
  private openBytes = 0;
  private readonly scan: ScanState = { inQuote: false, fieldStart: true };
  private readonly none: Chunk<CsvRecord>[] = [];

  constructor(
    private readonly layout: CsvLayout,
    private readonly bad: BadRows,
    line: number,
    capacity: number,
    /** Quotes are bad rows (engine 'fast') rather than read (engine 'auto'). */
    quotesAreBad: boolean,
    private readonly maxRowBytes: number,
    allocate?: AllocateColumns,
  ) {
    this.fast = new FastDecoder(layout, bad, line, capacity, quotesAreBad, allocate);
    this.quoted = new GeneralDecoder(layout, bad, line, capacity, maxRowBytes, (values) => this.fast.push(values));
  }

  /** 1-based line where the next row starts. */
  get line(): number {
    return this.fast.line;
  }

  /** Rows decoded and not yet taken. */
  get size(): number {
    return this.fast.size;
  }

  /** Decodes a block of whole lines; pushes each full chunk to `out`. */
  feed(buf: Buffer, out: Chunk<CsvRecord>[]): void {
    let pos = 0;
    if (this.open.length > 0) {
      const end = recordEndBytes(buf, 0, this.layout.delimiter, this.scan);
      if (end < 0 || this.openBytes + end > this.maxRowBytes) {
        this.open.push(Buffer.from(buf)); // copies: the input's memory is read into again (reuseAfter)
        this.openBytes += buf.length;
        if (this.openBytes <= this.maxRowBytes) return; // still open: wait for more lines
        const joined = this.takeOpen();
        this.run(joined, this.badRow(joined, false), out);
        return;
      }
      this.open.push(buf.subarray(0, end));
      this.record(this.takeOpen(), out);
      pos = end;
    }
    this.run(buf, pos, out);
  }

  /** At the end of input: a quote still open makes its row bad; pushes the last chunks. */
  finish(out: Chunk<CsvRecord>[]): void {
    while (this.open.length > 0) {
      const joined = this.takeOpen();
      this.run(joined, this.badRow(joined, true), out);
    }
    this.drain(out);
    if (this.fast.size > 0) out.push(this.fast.take());
  }

  private run(buf: Buffer, pos: number, out: Chunk<CsvRecord>[]): void {
    for (;;) {
      pos = this.fast.decode(buf, pos);
      if (this.fast.stop === Stop.Full) {
        this.drain(out);
        out.push(this.fast.take());
        continue;
      }
      if (this.fast.stop === Stop.End) return;
      // A quoted row at pos: where does it end?
      this.scan.inQuote = false;
      this.scan.fieldStart = true;
      const end = recordEndBytes(buf, pos, this.layout.delimiter, this.scan);
      if (end >= 0 && end - pos <= this.maxRowBytes) {
        const ok = this.record(buf.subarray(pos, end), out);
        pos = ok ? end : lineAfter(buf, pos);
      } else if (end < 0 && buf.length - pos <= this.maxRowBytes) {
        this.open = [Buffer.from(buf.subarray(pos))];
        this.openBytes = buf.length - pos;
        return;
      } else pos = this.badRow(buf.subarray(pos), false) + pos;
    }
  }

  /** The quoted row's bytes, by the general engine's rules; false when it does not parse (reported). */
  private record(bytes: Buffer, out: Chunk<CsvRecord>[]): boolean {
    this.quoted.line = this.fast.line;
    const ok = this.quoted.record(bytes.toString('utf8'), this.none);
    this.fast.line = this.quoted.line;
    this.drain(out);
    return ok;
  }

  /** Reports the row at buf[0] whose quote stays open; returns where the next line starts. */
  private badRow(buf: Buffer, atEnd: boolean): number {
    const stop = lineAfter(buf, 0);
    const raw = stripEol(buf.toString('utf8', 0, Math.min(stop, 4 * MAX_RAW)));
    this.bad.report(this.layout.file, this.fast.line, undefined, raw, openQuoteReason(atEnd, this.maxRowBytes));
    this.fast.line++;
    return stop;
  }

  private takeOpen(): Buffer {
    const joined = this.open.length === 1 ? this.open[0]! : Buffer.concat(this.open);
    this.open = [];
    this.openBytes = 0;
    return joined;
  }

  private drain(out: Chunk<CsvRecord>[]): void {
    for (const chunk of this.fast.full) out.push(chunk as ColumnChunk<CsvRecord>);
    this.fast.full.length = 0;
  }

  /** The chunk so far (for a reader that hands each range over whole). */
  take(): ColumnChunk {
    return this.fast.take();
  }
}

function lineAfter(buf: Buffer, pos: number): number {
  const nl = buf.indexOf(LF, pos);
  return nl < 0 ? buf.length : nl + 1;
}
