// Cuts a stream of byte blocks into runs of whole lines, so the decoders never see a row
// (or a number, or a UTF-8 character) split across blocks. Also drops a leading BOM, reads
// CR-only line ends as LF, bounds a line's length and, for a byte range, keeps exactly the
// lines that start inside it.
import { DataError } from '../errors.js';

const LF = 0x0a;
const CR = 0x0d;

/** Default longest line (and row, field, header) in bytes: past it a reader raises a DataError. */
export const MAX_ROW_BYTES = 16 << 20;

/** Bytes of a UTF-8 byte order mark at the start of `buf` (3), or 0: the one BOM check. */
export function bomLength(buf: Uint8Array): number {
  return buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
}

export interface LineBlockOptions {
  /** The first block starts at this file offset (0: drop a UTF-8 BOM there, and look at the line ends). */
  offset: number;
  /** Skip bytes up to and including the first newline (the range starts mid-file). */
  alignStart: boolean;
  /** Keep only lines that start before this file offset. */
  end?: number | undefined;
  /** Counts the bytes handed on. */
  onBytes?: (n: number) => void;
  /** Told the BOM's length when one is dropped. */
  onBom?: (n: number) => void;
  /** Longest line in bytes (default MAX_ROW_BYTES): a longer one is a DataError. */
  maxLineBytes?: number;
  /** File name for errors. */
  file?: string;
  /** 1-based line of the first line handed on, for errors (default 1). */
  line?: () => number;
}

/**
 * Runs of whole lines: every yielded Buffer ends with '\n' (one is added to a last line
 * without one). A line longer than a block is joined from pieces; otherwise blocks are
 * passed on as views, and only the piece of a line straddling two blocks is copied.
 * Line ends: LF or CRLF; a stream read from its start whose first line ends with a bare CR
 * is CR-only (old Mac): every CR becomes LF (one byte for one, so offsets hold). A byte
 * range of a CR-only file is refused (its lines cannot be found without the file's start).
 * A line longer than `maxLineBytes` ends the stream with a DataError: memory stays bounded
 * on input without newlines (/dev/zero, a bomb of zeros, an endless body).
 */
export async function* lineBlocks(blocks: AsyncIterator<Buffer>, options: LineBlockOptions): AsyncGenerator<Buffer, undefined> {
  try {
    const cutter = new LineCutter(options);
    while (!cutter.done) {
      const r = await blocks.next();
      if (r.done) break;
      for (const run of cutter.push(r.value)) {
        options.onBytes?.(run.length);
        yield run;
      }
    }
    const tail = cutter.end();
    if (tail !== undefined) {
      options.onBytes?.(tail.length - 1);
      yield tail;
    }
  } finally {
    await blocks.return?.();
  }
  return undefined;
}

/** 'cr' when the first line end of `block` is a bare CR, 'lf' when it is LF or CRLF, undefined when it holds none yet. */
export function lineEnd(block: Buffer): 'cr' | 'lf' | undefined {
  const lf = block.indexOf(LF);
  // Only a CR before the first LF decides: searched no further (in an LF file, a search of
  // the whole block for a CR it never finds cost every block a pass over its bytes).
  const cr = (lf >= 0 ? block.subarray(0, lf) : block).indexOf(CR);
  if (cr < 0) return lf >= 0 ? 'lf' : undefined;
  if (cr + 1 < block.length) return block[cr + 1] === LF ? 'lf' : 'cr';
  return undefined; // a CR last in the block: the next byte decides
}

/** The error for a byte range of a CR-only file (its lines cannot be found from the middle). */
export function crOnlyError(file: string, line: number): DataError {
  return new DataError({ file, line, raw: '', reason: 'line ends are bare CRs (CR-only): a byte range (byteRange, csvParallel, shuffledCsv) needs LF or CRLF line ends; read the file with csv() or convert its line ends' });
}

/** lineBlocks' state: blocks in, runs of whole lines out. */
class LineCutter {
  done = false;
  private next: number; // file offset of the next byte we receive
  private carry: Buffer[] = [];
  private carried = 0;
  private skipping: boolean;
  private skipped = 0;
  private head: Buffer | undefined; // bytes held to look for a BOM
  // Line ends are looked at from the start of a stream only; a range finds out from its skipped bytes.
  private ends: 'cr' | 'lf' | undefined;
  // The last byte we may need is the newline ending the line that holds byte end-1.
  private readonly last: number;
  private readonly maxLine: number;

  constructor(private readonly options: LineBlockOptions) {
    this.next = options.offset;
    this.skipping = options.alignStart;
    this.head = options.offset === 0 ? Buffer.alloc(0) : undefined;
    this.ends = options.offset === 0 ? undefined : 'lf';
    this.last = options.end === undefined ? Infinity : options.end - 1;
    this.maxLine = options.maxLineBytes ?? MAX_ROW_BYTES;
    if (options.end !== undefined && options.end <= options.offset + (options.alignStart ? 1 : 0)) this.done = true;
  }

  /** The runs of whole lines that `block` completes. */
  push(input: Buffer): Buffer[] {
    let base = this.next; // file offset of block[0]
    this.next += input.length;
    let block: Buffer | undefined = input;
    if (this.head !== undefined) {
      block = this.startOf(block);
      if (block === undefined) return [];
      base = this.next - block.length;
    }
    if (this.ends === undefined) this.ends = lineEnd(block);
    if (this.ends === 'cr') for (let i = block.indexOf(CR); i !== -1; i = block.indexOf(CR, i + 1)) block[i] = LF;
    let start = 0;
    if (this.skipping) {
      const nl = this.skipTo(block);
      if (nl < 0) return [];
      start = nl + 1;
      this.skipping = false;
      // No line starts inside the range (it lies within one line): nothing to yield.
      if (base + start > this.last) {
        this.done = true;
        return [];
      }
    }
    return this.cut(block, base, start);
  }

  /** The block with a BOM at the stream's start dropped; undefined while fewer than 3 bytes are in (a BOM may straddle reads). */
  private startOf(input: Buffer): Buffer | undefined {
    const block = this.head!.length > 0 ? Buffer.concat([this.head!, input]) : input;
    if (block.length < 3 && block[0] === 0xef) {
      this.head = block;
      return undefined;
    }
    this.head = undefined;
    const bom = bomLength(block);
    if (bom === 0) return block;
    this.options.onBom?.(bom);
    return block.subarray(bom);
  }

  /** Index of the first newline of a range's first (partial) line, or -1 when the block holds none. */
  private skipTo(block: Buffer): number {
    const nl = block.indexOf(LF);
    const cr = nl < 0 ? block.indexOf(CR) : -1; // only a block without LF is searched for a CR
    if (cr >= 0 && cr + 1 < block.length && block[cr + 1] !== LF) {
      throw crOnlyError(this.options.file ?? '(stream)', this.options.line?.() ?? 1);
    }
    if (nl >= 0) return nl;
    this.skipped += block.length;
    if (this.skipped > this.maxLine) throw this.tooLong(block);
    return -1;
  }

  private cut(block: Buffer, base: number, start: number): Buffer[] {
    const runs: Buffer[] = [];
    // Stop after the newline at or after `last`.
    let stopAt = block.length;
    if (base + block.length - 1 >= this.last) {
      const nl = block.indexOf(LF, Math.max(start, this.last - base));
      if (nl !== -1) {
        stopAt = nl + 1;
        this.done = true;
      }
    }
    const lastNl = stopAt > start ? block.lastIndexOf(LF, stopAt - 1) : -1;
    if (lastNl < start) {
      if (stopAt > start) this.hold(Buffer.from(block.subarray(start, stopAt))); // a copy: the block may be read into again (reuseAfter)
      return runs;
    }
    if (this.carry.length > 0) {
      // The straddling line: the carried pieces plus this block up to its first newline.
      const nl = block.indexOf(LF, start);
      if (this.carried + nl - start > this.maxLine) throw this.tooLong(this.carry[0]!);
      this.carry.push(block.subarray(start, nl + 1));
      runs.push(Buffer.concat(this.carry));
      this.carry = [];
      this.carried = 0;
      start = nl + 1;
    }
    if (lastNl + 1 > start) runs.push(block.subarray(start, lastNl + 1));
    // Copy the tail so the block it came from can be collected.
    if (stopAt > lastNl + 1) this.hold(Buffer.from(block.subarray(lastNl + 1, stopAt)));
    return runs;
  }

  private hold(piece: Buffer): void {
    this.carry.push(piece);
    this.carried += piece.length;
    if (this.carried > this.maxLine) throw this.tooLong(this.carry[0]!);
  }

  /** The last line, if it had no newline (one is added). */
  end(): Buffer | undefined {
    if (this.head !== undefined && this.head.length > 0 && !this.skipping) this.carry.push(this.head);
    if (this.carry.length === 0) return undefined;
    const tail = Buffer.concat([...this.carry, Buffer.from([LF])]);
    if (this.ends === undefined && tail.length >= 2 && tail[tail.length - 2] === CR) tail[tail.length - 2] = LF; // a lone line ending in CR
    return tail;
  }

  private tooLong(piece: Buffer): DataError {
    return this.error(piece.toString('utf8', 0, 200), `a line longer than maxRowBytes (${this.maxLine} bytes) without a newline: not a text file with line ends?`);
  }

  private error(raw: string, reason: string): DataError {
    return new DataError({ file: this.options.file ?? '(stream)', line: this.options.line?.() ?? 1, raw, reason });
  }
}
