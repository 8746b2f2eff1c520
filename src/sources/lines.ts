import { Dataset } from '../dataset.js';
import { type Chunk } from '../chunk.js';
import { type ReadBytesOptions } from '../io/file.js';
import { openBytes } from '../io/bytes.js';
import { lineBlocks, MAX_ROW_BYTES } from '../csv/lines.js';

export type LinesOptions = Pick<ReadBytesOptions, 'chunkBytes'> & {
  /** Longest line in bytes (default 16 MiB): a longer one is a DataError naming file and line. */
  maxLineBytes?: number;
};

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * The lines of a UTF-8 text file, streamed: `\n`, `\r\n` or CR-only endings, a leading BOM
 * dropped, a last line without a newline kept (csv()'s lineBlocks cut them). Memory stays
 * bounded: a line longer than `maxLineBytes` is a DataError. Each epoch reopens the file.
 * @example
 * for await (const line of lines('ratings.csv').take(3)) console.log(line);
 */
export function lines(path: string, options: LinesOptions = {}): Dataset<string> {
  return new Dataset({ size: undefined, open: (_epoch, openOptions) => run(openOptions?.signal) });

  async function* run(signal: AbortSignal | undefined): AsyncGenerator<Chunk<string>, undefined> {
    let line = 1;
    const blocks = lineBlocks(openBytes(path, { chunkBytes: options.chunkBytes, ...(signal === undefined ? {} : { signal }) }), { offset: 0, alignStart: false, maxLineBytes: options.maxLineBytes ?? MAX_ROW_BYTES, file: path, line: () => line });
    for await (const bytes of blocks) {
      const out: string[] = [];
      let start = 0;
      for (let nl = bytes.indexOf(NEWLINE, start); nl !== -1; nl = bytes.indexOf(NEWLINE, start)) {
        out.push(decode(bytes, start, nl));
        start = nl + 1;
      }
      line += out.length;
      yield out;
    }
    return undefined;
  }
}

function decode(bytes: Buffer, start: number, end: number): string {
  return bytes.toString('utf8', start, end > start && bytes[end - 1] === CR ? end - 1 : end);
}
