// Byte scans of a row that the fast engine's loop leaves out of its hot path.
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/**
 * Index of the delimiter or newline ending the field that starts at `i`; -1 on a quote.
 * @example
 * fieldEnd(Buffer.from('12,3\n'), 0, Buffer.from(',')); // 2
 */
export function fieldEnd(buf: Buffer, i: number, delim: Buffer): number {
  const d0 = delim[0]!;
  const multi = delim.length > 1;
  for (;;) {
    const c = buf[i]!;
    if (c === LF) return i;
    if (c === QUOTE) return -1;
    if (c === d0 && (!multi || delimAt(buf, i, delim))) return i;
    i++;
  }
}

/**
 * Whether the rest of a multi-byte delimiter follows its first byte at `i`.
 * @example
 * delimAt(Buffer.from('1::2'), 1, Buffer.from('::')); // true
 */
export function delimAt(buf: Buffer, i: number, delim: Buffer): boolean {
  for (let k = 1; k < delim.length; k++) if (buf[i + k] !== delim[k]) return false;
  return true;
}

/**
 * The text of the line from `start` to its newline at `lf` (less a CR before it; at most 800
 * bytes), for a bad-row report.
 * @example
 * rawLine(Buffer.from('1,x\r\n'), 0, 4); // '1,x'
 */
export function rawLine(buf: Buffer, start: number, lf: number): string {
  const end = lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
  return buf.toString('utf8', start, Math.min(end, start + 4 * 200));
}
