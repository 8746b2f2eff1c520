// Rows of CSV text: fast-csv's row parser (quoted fields, escaped quotes, newlines inside
// quotes) behind one splitter, and the linear scan that finds where a record ends, for
// text and for bytes. Shared by both engines, the header reader, the sample and inspect.
import { createRequire } from 'node:module';
import type { ParserOptions } from '@fast-csv/parse';
import type { Parser } from '@fast-csv/parse/build/src/parser/Parser.js';
import { SluiceError } from '../errors.js';

// fast-csv is loaded on first use, with require: a thread that never splits a row by it (a
// worker decoding numeric blocks) never loads it, and require skips the scan for named
// exports that an ESM import of a CommonJS package costs (about 60 ms of CPU a thread).
const require = createRequire(import.meta.url);
let fastCsv: { Parser: typeof Parser; ParserOptions: typeof ParserOptions } | undefined;
const loadFastCsv = (): NonNullable<typeof fastCsv> =>
  (fastCsv ??= {
    Parser: (require('@fast-csv/parse/build/src/parser/Parser.js') as { Parser: typeof Parser }).Parser,
    ParserOptions: (require('@fast-csv/parse/build/src/ParserOptions.js') as { ParserOptions: typeof ParserOptions }).ParserOptions,
  });

// fast-csv takes a one-character delimiter. A longer one ('::') is swapped for a private-use
// character before parsing and swapped back inside fields afterwards. fast-csv also ends a
// row at a bare CR, where the fast engine and lineBlocks end lines at LF (or CRLF) only: a
// bare CR is swapped for another private-use character, so it stays in its field.
const STAND_IN = '\uE000';
const CR_STAND_IN = '\uE001';
const BARE_CR = /\r(?!\n)/g;
const LF = 10;
const CR = 13;
const QUOTE = 34;
const SPACE = 32;
const TAB = 9;

/** Splits text into rows of fields with fast-csv; for headers, samples and inspect. */
export function splitRows(text: string, delimiter: string, more = false): string[][] {
  const plain = more ? undefined : plainLine(text, delimiter);
  if (plain !== undefined) return plain;
  const rows: string[][] = [];
  const split = new RowSplitter(delimiter);
  split.parse(text, more, rows);
  return rows;
}

/**
 * The first `limit` non-blank rows of a sample of text (the start of a file), for guessing
 * dtypes, the header and the delimiter. A sample that does not parse as a whole is
 * undefined, or with `lenient`, split line by line leaving out the lines that fail: the
 * decoder reports those rows itself.
 */
export function sampleRows(text: string, delimiter: string, limit: number, lenient: boolean): string[][] | undefined {
  // Lenient: a prefix of lines is parsed, longer until it holds `limit` rows (a row is split
  // once it ends, so a prefix's rows are the whole text's first ones), and a bad row past
  // them is the decoder's to report. A block shuffle samples every block it reads (~1 MiB of
  // text) where a thousand rows are wanted: parsing all of it made an epoch ~12× slower.
  for (let lines = limit + 1; lenient; lines *= 2) {
    const cut = afterLines(text, lines);
    if (cut === text.length) break;
    let prefix: string[][];
    try {
      prefix = splitRows(text.slice(0, cut), delimiter, true).filter((r) => r.length > 0);
    } catch {
      break; // the whole text's parse says what happens
    }
    if (prefix.length >= limit) return prefix.slice(0, limit);
  }
  let rows: string[][];
  try {
    rows = splitRows(text, delimiter, true);
  } catch {
    if (!lenient) return undefined;
    rows = [];
    for (const line of text.split('\n')) {
      try {
        rows.push(...splitRows(line, delimiter));
      } catch {
        // a bad row: left out of the sample
      }
    }
  }
  return rows.filter((r) => r.length > 0).slice(0, limit);
}

/** The index just past the `lines`-th newline of `text`, or its length when it has fewer. */
function afterLines(text: string, lines: number): number {
  let at = 0;
  for (let n = 0; n < lines; n++) {
    const lf = text.indexOf('\n', at);
    if (lf < 0) return text.length;
    at = lf + 1;
  }
  return at;
}

/**
 * splitRows of one line with no quote, no CR (but a CRLF ending) and no white space (which
 * fast-csv reads in its own ways: ' ,' splits into two empty fields): its fields are the
 * text between delimiters, as fast-csv reads them, without loading fast-csv (a CommonJS
 * library of many modules: ~10 ms of a first epoch went to loading it to split a plain
 * header). Undefined for any other text.
 */
function plainLine(text: string, delimiter: string): string[][] | undefined {
  if (text === '') return [];
  let end = text.length;
  if (text.charCodeAt(end - 1) === LF) end -= text.charCodeAt(end - 2) === CR ? 2 : 1;
  const line = text.slice(0, end);
  if (NOT_PLAIN.test(line)) return undefined;
  return [line === '' ? [] : line.split(delimiter)];
}
const NOT_PLAIN = /["\s\uE000\uE001]/;

/** fast-csv's Parser with multi-character delimiters and bare CRs kept in fields. Throws fast-csv's errors. */
export class RowSplitter {
  // Made on the first parse: the fast engine keeps a splitter for quoted rows that most files
  // never have, and loading fast-csv cost ~10 ms of a first epoch (and of each csvParallel worker).
  private parser: Parser | undefined;
  private readonly multi: boolean;
  constructor(readonly delimiter: string) {
    this.multi = delimiter.length > 1;
  }

  /** Parses `text`; pushes complete rows; returns the unparsed rest. */
  parse(text: string, more: boolean, rows: string[][]): string {
    if (this.multi) {
      if (text.includes(STAND_IN)) {
        throw new SluiceError(`csv: the general engine cannot read text containing U+E000 with a multi-character delimiter`);
      }
      text = text.replaceAll(this.delimiter, STAND_IN);
    }
    const cr = text.includes('\r') && BARE_CR.test(text);
    if (cr) text = text.replace(BARE_CR, CR_STAND_IN);
    if (this.parser === undefined) {
      const { Parser, ParserOptions } = loadFastCsv();
      this.parser = new Parser(new ParserOptions({ delimiter: this.multi ? STAND_IN : this.delimiter, headers: false }));
    }
    const r = this.parser.parse(text, more);
    for (const row of r.rows) {
      for (let i = 0; i < row.length; i++) {
        if (this.multi && row[i]!.includes(STAND_IN)) row[i] = row[i]!.replaceAll(STAND_IN, this.delimiter);
        if (cr && row[i]!.includes(CR_STAND_IN)) row[i] = row[i]!.replaceAll(CR_STAND_IN, '\r');
      }
      rows.push(row);
    }
    let rest = this.multi ? r.line.replaceAll(STAND_IN, this.delimiter) : r.line;
    if (cr) rest = rest.replaceAll(CR_STAND_IN, '\r');
    return rest;
  }
}

/**
 * Where the record starting at `from` ends: the index after its newline, or -1 if `text`
 * ends first. A quote opens a quoted field only at a field's start (after spaces), as
 * fast-csv reads it; `""` inside one is an escaped quote. recordEndBytes is the same scan
 * over bytes; they stay two loops because a shared character accessor would cost a call per
 * character in both engines, and test/csv/records.test.ts pins them to the same answers.
 */
export function recordEndIn(text: string, from: number, delimiter: string, state?: ScanState): number {
  const last = delimiter.charCodeAt(delimiter.length - 1);
  let inQuote = state !== undefined ? state.inQuote : false;
  let fieldStart = state !== undefined ? state.fieldStart : true;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inQuote) {
      if (c === QUOTE) {
        if (text.charCodeAt(i + 1) === QUOTE) i++;
        else inQuote = false;
      }
      continue;
    }
    if (c === LF) {
      if (state !== undefined) (state.inQuote = false), (state.fieldStart = true);
      return i + 1;
    }
    if (c === QUOTE && fieldStart) inQuote = true;
    else if (c !== SPACE && c !== TAB) fieldStart = c === last;
  }
  if (state !== undefined) (state.inQuote = inQuote), (state.fieldStart = fieldStart);
  return -1;
}

/** recordEndIn over bytes (the fast engine's blocks, header lines). */
export function recordEndBytes(buf: Uint8Array, from: number, delimiter: string, state?: ScanState): number {
  const last = delimiter.charCodeAt(delimiter.length - 1);
  let inQuote = state !== undefined ? state.inQuote : false;
  let fieldStart = state !== undefined ? state.fieldStart : true;
  for (let i = from; i < buf.length; i++) {
    const c = buf[i];
    if (inQuote) {
      if (c === QUOTE) {
        if (buf[i + 1] === QUOTE) i++;
        else inQuote = false;
      }
      continue;
    }
    if (c === LF) {
      if (state !== undefined) (state.inQuote = false), (state.fieldStart = true);
      return i + 1;
    }
    if (c === QUOTE && fieldStart) inQuote = true;
    else if (c !== SPACE && c !== TAB) fieldStart = c === last;
  }
  if (state !== undefined) (state.inQuote = inQuote), (state.fieldStart = fieldStart);
  return -1;
}

/** Why a row whose quote never closes is bad: at the end of the input, or past maxRowBytes. */
export function openQuoteReason(atEnd: boolean, maxRowBytes: number): string {
  return atEnd ? 'unterminated quote' : `row longer than maxRowBytes (${maxRowBytes} bytes): a quote left open?`;
}

/** Where a scan for a record's end stopped (to resume it when more text comes). */
export interface ScanState {
  inQuote: boolean;
  fieldStart: boolean;
}

export function parseReason(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  if (m.includes('missing closing')) return 'unterminated quote';
  if (m.includes('OR new line got')) return 'text after a closing quote';
  return m;
}

export function stripEol(s: string): string {
  return s.endsWith('\r\n') ? s.slice(0, -2) : s.endsWith('\n') ? s.slice(0, -1) : s;
}

export function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
