import { open } from 'node:fs/promises';
import path from 'node:path';
import { FormatError, OptionError } from '../../src/core.js';

/** Field separators found in MovieLens releases. */
export type Delimiter = ',' | '\t' | '::';

/** How a ratings file is laid out: `userId, movieId, rating[, timestamp]` per line. */
export interface RatingsFormat {
  delimiter: Delimiter;
  /** The first line is a header to skip. */
  header: boolean;
}

/**
 * A delimiter as typed on a command line: `,`, a real tab, `\t` typed as backslash-t (or
 * `tab`), `::`.
 * @example
 * parseDelimiter('\\t'); // '\t'
 */
export function parseDelimiter(text: string): Delimiter {
  if (text === ',' || text === '::') return text;
  if (text === '\t' || text === '\\t' || text.toLowerCase() === 'tab') return '\t';
  throw new OptionError(`--delimiter must be ',', '\\t' (tab) or '::', got ${JSON.stringify(text)}`);
}

/**
 * Guesses the format from the file's first line (and name), as the MovieLens releases
 * differ: ml-latest / ml-25m `ratings.csv` (comma, header), ml-100k `u.data`/`u1.base`
 * (tab, no header), ml-1m `ratings.dat` (`::`, no header). Given values win.
 * @example
 * await detectFormat('ml-100k/u1.base'); // { delimiter: '\t', header: false }
 */
export async function detectFormat(file: string, given: Partial<RatingsFormat> = {}): Promise<RatingsFormat> {
  let first = '';
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    // Compressed bytes would be "detected" as some layout and fail later with garbage.
    if (bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
      throw new FormatError(file, 'is gzip-compressed; training reads plain text files (the block shuffle and the split read byte ranges): decompress it first, e.g. gunzip -k FILE');
    }
    first = buf.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '';
  } finally {
    await handle.close();
  }
  const delimiter =
    given.delimiter ??
    (first.includes('::') || path.extname(file) === '.dat' ? '::' : first.includes('\t') ? '\t' : ',');
  const header = given.header ?? !/^\s*-?\d/.test(first.split(delimiter)[0] ?? '');
  return { delimiter, header };
}
