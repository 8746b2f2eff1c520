import { open } from 'node:fs/promises';
import path from 'node:path';
import { FormatError, nearestName, OptionError } from '../../src/core.js';
import { readHeader } from '../../src/csv/header.js';

/** Field separators found in MovieLens releases. */
export type Delimiter = ',' | '\t' | '::';

/** The three roles a ratings file's columns play. */
export const ROLES = ['user', 'item', 'rating'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Which column plays each role, as given: a header name, or a 0-based column index (a
 * number, or a string of digits that is not a header name). Roles left out keep the
 * MovieLens columns: `userId`, `movieId`, `rating` with a header, columns 0, 1, 2 without.
 */
export type ColumnMapping = { readonly [R in Role]?: string | number };

/** How a ratings file is laid out: `userId, movieId, rating[, timestamp]` per line. */
export interface RatingsFormat {
  delimiter: Delimiter;
  /** The first line is a header to skip. */
  header: boolean;
  /**
   * The csv column names of the three roles (a header's names; '0', '1', … without a
   * header), when they are not MovieLens's: set by `detectFormat` from a mapping.
   */
  columns?: { user: string; item: string; rating: string };
}

/** The names MovieLens's own headers use for the roles. */
const MOVIELENS: Record<Role, string> = { user: 'userId', item: 'movieId', rating: 'rating' };
/** Longest header line read when resolving names. */
const MAX_HEADER_BYTES = 1 << 20;

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
 * `--columns` as typed: `user=uid,item=iid,rating=score` (names or 0-based indexes; any
 * subset of the roles).
 * @example
 * parseColumnMapping('user=uid,item=iid,rating=score'); // { user: 'uid', item: 'iid', rating: 'score' }
 */
export function parseColumnMapping(text: string): ColumnMapping {
  const out: Partial<Record<Role, string>> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new OptionError(`--columns: expected role=column pairs separated by commas (user=uid,item=iid,rating=score), got ${JSON.stringify(part)}`);
    const role = part.slice(0, eq).trim();
    if (!(ROLES as readonly string[]).includes(role)) {
      const near = nearestName(role, ROLES);
      throw new OptionError(`--columns: unknown role '${role}'${near === undefined ? '' : ` (did you mean '${near}'?)`}; roles are ${ROLES.join(', ')}`);
    }
    if (out[role as Role] !== undefined) throw new OptionError(`--columns: ${role} is given twice`);
    out[role as Role] = part.slice(eq + 1).trim();
  }
  return out;
}

/**
 * Guesses the format from the file's first line (and name), as the MovieLens releases
 * differ: ml-latest / ml-25m `ratings.csv` (comma, header), ml-100k `u.data`/`u1.base`
 * (tab, no header), ml-1m `ratings.dat` (`::`, no header). Given values win. `columns`
 * maps the roles to the file's own columns (checked against its header: an unknown name is
 * an OptionError listing the header); a header without MovieLens's names needs it.
 * @example
 * await detectFormat('ml-100k/u1.base'); // { delimiter: '\t', header: false }
 * await detectFormat('plays.csv', { columns: { user: 'uid', item: 'iid', rating: 'score' } });
 */
export async function detectFormat(file: string, given: { delimiter?: Delimiter; header?: boolean; columns?: ColumnMapping } = {}): Promise<RatingsFormat> {
  const first = await firstLine(file);
  const delimiter =
    given.delimiter ??
    (first.includes('::') || path.extname(file) === '.dat' ? '::' : first.includes('\t') ? '\t' : ',');
  const header = given.header ?? !/^\s*-?\d/.test(first.split(delimiter)[0] ?? '');
  const format: RatingsFormat = { delimiter, header };
  if (header) {
    const names = (await readHeader(file, delimiter, MAX_HEADER_BYTES)).names ?? [];
    const columns = resolveColumns(file, given.columns ?? {}, names, true);
    if (given.columns !== undefined) format.columns = columns;
  } else if (given.columns !== undefined) {
    const fields = first.split(delimiter).length;
    format.columns = resolveColumns(file, given.columns, Array.from({ length: fields }, (_, k) => String(k)), false);
  }
  return format;
}

/** The file's first line (BOM dropped); a gzip file is refused. */
async function firstLine(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    // Compressed bytes would be "detected" as some layout and fail later with garbage.
    if (bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
      throw new FormatError(file, 'is gzip-compressed; training reads plain text files (the block shuffle and the split read byte ranges): decompress it first, e.g. gunzip -k FILE');
    }
    return buf.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '';
  } finally {
    await handle.close();
  }
}

/** Each role's csv column name among `names` (a header's, or '0', '1', … without one). */
function resolveColumns(file: string, mapping: ColumnMapping, names: readonly string[], header: boolean): { user: string; item: string; rating: string } {
  const out = {} as Record<Role, string>;
  for (const role of ROLES) {
    const want = mapping[role];
    if (want === undefined) {
      const name = header ? MOVIELENS[role] : String(ROLES.indexOf(role));
      if (!names.includes(name)) {
        throw new OptionError(
          header
            ? `${file}: its header (${names.join(', ')}) has no ${MOVIELENS[role]} column: name the columns with --columns user=…,item=…,rating=… (library: columns: { user, item, rating })`
            : `${file}: column ${name} (${role}) is past the ${names.length} fields of its first line`,
        );
      }
      out[role] = name;
      continue;
    }
    const text = String(want);
    if (names.includes(text)) out[role] = text;
    else if (/^\d+$/.test(text)) {
      const k = Number(text);
      if (k >= names.length) throw new OptionError(`columns: ${role}: column ${k} is past the ${names.length} fields of ${file} (indexes count from 0)`);
      out[role] = names[k]!;
    } else if (!header) {
      throw new OptionError(`columns: ${role}='${text}': ${file} has no header line, so name its columns by 0-based column indexes (e.g. user=0,item=1,rating=2); its first line has ${names.length} fields`);
    } else {
      const near = nearestName(text, names);
      throw new OptionError(`columns: ${role}='${text}' is not a column of ${file} (its header: ${names.join(', ')})${near === undefined ? '' : `; did you mean '${near}'?`}`);
    }
  }
  for (let a = 0; a < ROLES.length; a++) {
    for (let b = a + 1; b < ROLES.length; b++) {
      if (out[ROLES[a]!] === out[ROLES[b]!]) throw new OptionError(`columns: ${ROLES[a]} and ${ROLES[b]} are both column '${out[ROLES[a]!]}' of ${file}`);
    }
  }
  return out;
}
