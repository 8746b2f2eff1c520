import { Dataset } from '../dataset.js';
import { type Chunk } from '../chunk.js';
import { readBytes, type ReadBytesOptions } from '../io/file.js';
import { throwIfAborted } from '../errors.js';

export type LinesOptions = Pick<ReadBytesOptions, 'chunkBytes'>;

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * The lines of a UTF-8 text file, streamed: `\n` or `\r\n` endings, a leading BOM dropped,
 * a last line without a newline kept. Each epoch reopens the file.
 * @example
 * for await (const line of lines('ratings.csv').take(3)) console.log(line);
 */
export function lines(path: string, options: LinesOptions = {}): Dataset<string> {
  return new Dataset({ size: undefined, open: (_epoch, openOptions) => run(openOptions?.signal) });

  async function* run(signal: AbortSignal | undefined): AsyncGenerator<Chunk<string>, undefined> {
    let carry: Buffer | undefined;
    let first = true;
    for await (const block of readBytes(path, options)) {
      throwIfAborted(signal);
      let bytes = carry === undefined ? block : Buffer.concat([carry, block]);
      if (first) {
        if (bytes.length < 3 && bytes[0] === 0xef) {
          carry = bytes; // a BOM may be split across reads
          continue;
        }
        first = false;
        if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
      }
      const out: string[] = [];
      let start = 0;
      for (let nl = bytes.indexOf(NEWLINE, start); nl !== -1; nl = bytes.indexOf(NEWLINE, start)) {
        out.push(decode(bytes, start, nl));
        start = nl + 1;
      }
      // Copy the tail so the (large) block it came from can be collected.
      carry = start < bytes.length ? Buffer.from(bytes.subarray(start)) : undefined;
      if (out.length > 0) yield out;
    }
    if (carry !== undefined && carry.length > 0) yield [decode(carry, 0, carry.length)];
    return undefined;
  }
}

function decode(bytes: Buffer, start: number, end: number): string {
  return bytes.toString('utf8', start, end > start && bytes[end - 1] === CR ? end - 1 : end);
}
