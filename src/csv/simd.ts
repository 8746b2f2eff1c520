// The JavaScript side of the fast engine's WebAssembly SIMD kernel (source: wasm/csv-decode.ts,
// built by `npm run build:wasm`). The kernel decodes the plain rows of a block faster than the
// byte loop (1.2× through csv(): bench/kernel.ts); the byte loop in fast.ts stays the reference and
// decodes every row the kernel does not take, so the two always agree (test/csv/simd.test.ts).
// One instance per thread (src/kernel.ts): its memory holds one window of input bytes and the
// output columns of one call; every call lays them out again, so any number of decoders share it.
import type { ColumnLayout, NumericArray, NumericDType } from '../chunk.js';
import { align64 as align, kernel, type KernelExports, kernelMemory } from '../kernel.js';
import type { CsvLayout } from './general.js';

/** Bytes of input copied into the kernel's memory per call (whole lines of it). */
const WINDOW = 64 << 10;
/** Readable bytes past the input that the kernel's 16-byte loads may touch. */
const PAD = 64;
/** Rows one call decodes at most. */
const MAX_ROWS = 8192;
const KIND: Record<NumericDType, number> = { int32: 1, float32: 2, float64: 3 };
/** The kernel's code for a call that stopped at a row it does not take. */
const DECLINED = 2;

/**
 * The kernel set up for one layout, or undefined when the layout is not one it decodes (a
 * category column, a delimiter the kernel does not take: see kernelDelimiter).
 */
export function simdRows(layout: CsvLayout): SimdRows | undefined {
  if (kernelDelimiter(layout.delimiter) === undefined) return undefined;
  if (layout.outputs.some((o) => o.dtype === 'category' || o.dtype === 'string')) return undefined;
  const k = kernel();
  return k === undefined ? undefined : new SimdRows(k, layout);
}

/**
 * The kernel's code for `delimiter` (its byte, with 2 in bits 8–15 when it is that byte twice:
 * MovieLens's '::'), or undefined for one it does not take: longer ones, two different bytes,
 * a byte past ASCII, or one that could be part of a number or a line end.
 */
export function kernelDelimiter(delimiter: string): number | undefined {
  const byte = delimiter.charCodeAt(0);
  if (byte >= 0x80 || /[-0-9."\r\n]/.test(delimiter)) return undefined;
  if (delimiter.length === 1) return byte;
  return delimiter.length === 2 && delimiter.charCodeAt(1) === byte ? byte | (2 << 8) : undefined;
}

export class SimdRows {
  /** Rows the last call decoded. */
  rows = 0;
  /** Bytes a row in the last call that decoded any (sizes the next call's copy). */
  private rowBytes = 64;
  /** Whether the last call stopped at a row it does not take (the byte loop's), rather than at the window's end or after the rows asked for. */
  declined = false;
  /** The outputs' names and dtypes, in output order. */
  readonly layout: ColumnLayout;
  /** Whether every output is 4 bytes wide (decodeDealt packs those only). */
  readonly packs: boolean;
  private readonly kinds: Int32Array;
  private readonly delimiter: number;
  private readonly dtypes: NumericDType[];
  private readonly outputField: number[];

  constructor(
    private readonly k: KernelExports,
    layout: CsvLayout,
  ) {
    this.kinds = new Int32Array(layout.fieldNames.length);
    for (const o of layout.outputs) this.kinds[o.field] = KIND[o.dtype as NumericDType];
    this.dtypes = layout.outputs.map((o) => o.dtype as NumericDType);
    this.layout = { names: layout.outputs.map((o) => o.name), dtypes: this.dtypes };
    this.packs = this.dtypes.every((d) => d !== 'float64');
    this.outputField = layout.outputs.map((o) => o.field);
    this.delimiter = kernelDelimiter(layout.delimiter)!;
  }

  /**
   * Decodes the plain rows of `buf` from `pos` (a line start; buf[end - 1] is a newline) into
   * rows [filled, …) of `cols` (one per output, in output order), at most `maxRows`, within
   * one window of bytes. Returns where it stopped: the end of the window, after maxRows, or
   * at a row for the byte loop; `rows` says how many it decoded.
   */
  decode(buf: Buffer, pos: number, end: number, cols: NumericArray[], filled: number, maxRows: number): number {
    // Whole lines of about the bytes the rows asked for take (at most one window; none when
    // the next line is longer: the byte loop's), so a call that decodes few rows copies little.
    const want = Math.min(WINDOW, Math.max(4096, Math.ceil(this.rowBytes * Math.min(maxRows, MAX_ROWS) * 1.25)));
    const cut = end - pos <= want ? end : buf.lastIndexOf(0x0a, pos + want - 1) + 1;
    this.rows = 0;
    this.declined = true;
    if (cut <= pos) return pos;
    const k = this.k;
    const nFields = this.kinds.length;
    const desc = align(k.heapBase());
    const input = align(desc + 16 * nFields);
    const outputs = align(input + WINDOW + PAD);
    const rowsAsked = Math.min(maxRows, MAX_ROWS);
    const memory = this.memory(outputs + 8 * MAX_ROWS * this.dtypes.length);
    if (memory === undefined) return pos; // no memory to grow into: the byte loop's rows
    this.describe(memory, desc, (o) => outputs + 8 * MAX_ROWS * o, (o) => (this.dtypes[o] === 'float64' ? 8 : 4));
    const bytes = new Uint8Array(memory);
    bytes.set(buf.subarray(pos, cut), input);
    bytes.fill(0, input + (cut - pos), input + (cut - pos) + PAD);
    const words = new Int32Array(memory, 0, 2);
    const rows = k.decode(input, input + (cut - pos), nFields, desc, rowsAsked, this.delimiter);
    const stoppedAt = words[0]! - input;
    this.declined = words[1] === DECLINED;
    this.rows = rows;
    if (rows > 0) this.rowBytes = stoppedAt / rows;
    for (let o = 0; o < this.dtypes.length; o++) {
      const at = outputs + 8 * MAX_ROWS * o;
      const d = this.dtypes[o]!;
      const from = d === 'int32' ? new Int32Array(memory, at, rows) : d === 'float32' ? new Float32Array(memory, at, rows) : new Float64Array(memory, at, rows);
      cols[o]!.set(from, filled);
    }
    return pos + stoppedAt;
  }

  /**
   * Decodes every row of `bytes` (whole lines) into `width` 4-byte values a row (the
   * outputs' bits, in output order), laid out in a uniform random order as they come: the
   * inside-out Fisher–Yates that BlockDealer does, drawing from `random` (handed on). Returns
   * the rows as a view of the kernel's memory (valid until its next call), or undefined
   * when a row is not plain or an output is 8 bytes wide: then the block is decoded and dealt
   * the other way, and `random` is untouched. `rowsAtMost`: the rows the block may hold at
   * most (a block with more is declined).
   */
  decodeDealt(bytes: Buffer, random: Int32Array, rowsAtMost?: number): Int32Array | undefined {
    if (!this.packs) return undefined;
    const k = this.k;
    const width = this.dtypes.length;
    const nFields = this.kinds.length;
    // At most one row per two bytes a field (a digit and a delimiter), or the caller's
    // estimate (the kernel's memory never shrinks: a loose bound on large blocks would keep
    // several times their rows' size); a block with more rows is declined.
    const maxRows = Math.min(Math.ceil(bytes.length / (2 * nFields)), rowsAtMost ?? Infinity);
    const desc = align(k.heapBase());
    const state = align(desc + 16 * nFields);
    const input = align(state + 16);
    const out = align(input + bytes.length + PAD);
    const memory = this.memory(out + 4 * width * maxRows);
    if (memory === undefined) return undefined;
    this.describe(memory, desc, (o) => out + 4 * o, () => 4 * width);
    new Int32Array(memory, state, 4).set(random);
    const mem = new Uint8Array(memory);
    mem.set(bytes, input);
    mem.fill(0, input + bytes.length, input + bytes.length + PAD);
    const rows = k.decodeDealt(input, input + bytes.length, nFields, desc, maxRows, this.delimiter, out, width, state);
    if (rows < 0) return undefined;
    random.set(new Int32Array(memory, state, 4));
    return new Int32Array(memory, out, rows * width);
  }

  /** The kernel's memory grown to `bytes`; undefined where it cannot grow (the JavaScript path then decodes). */
  private memory(bytes: number): ArrayBuffer | undefined {
    try {
      return kernelMemory(this.k, bytes);
    } catch {
      return undefined;
    }
  }

  /** Writes the fields' table at `desc`: kind, base and step of each field (skipped fields: kind 0). */
  private describe(memory: ArrayBuffer, desc: number, base: (output: number) => number, step: (output: number) => number): void {
    const table = new Int32Array(memory, desc, 4 * this.kinds.length);
    table.fill(0);
    for (let f = 0; f < this.kinds.length; f++) table[4 * f] = this.kinds[f]!;
    this.outputField.forEach((f, o) => {
      table[4 * f + 1] = base(o);
      table[4 * f + 2] = step(o);
    });
  }
}
