// Categorical columns: text fields decoded to int32 ids through a vocabulary. The fast
// engine looks a field's bytes up in an open-addressing table (FNV-1a hash, bytes kept in
// an arena), so a value seen before costs no JS string; only a new value is decoded once.
// The general engine looks strings up in the same vocabulary, so both engines (and a
// hand-over between them mid-file) give the same ids. It also scans quoted fields
// ("Toy Story (1995)", "" escapes) for the fast engine.
import { OptionError } from '../errors.js';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/**
 * Words ↔ int32 ids, in first-seen order (deterministic for a given row order). Shared by
 * every epoch of a dataset, so ids stay put; `toJSON()`/`Vocabulary.from` save and load it.
 * @example
 * const genres = new Vocabulary();
 * const ds = csv('movies.csv', { columns: { movieId: 'int32', genres: 'category' }, vocabularies: { genres } });
 * await ds.count();
 * genres.words; // ['Adventure|Animation|Children|Comedy|Fantasy', …]
 */
export class Vocabulary {
  /** The words, index = id. */
  readonly words: string[] = [];
  private readonly byWord = new Map<string, number>();
  /**
   * The open-addressing table: slot s holds [id (-1 when empty), hash, the word's start in
   * the arena, its length] at [4s, 4s + 4), side by side so that a probe reads one cache line
   * and then the word's bytes (a vocabulary of 100k words is megabytes: every other array a
   * probe touched was one more cache miss a row).
   */
  private table = emptyTable(1024);
  private arena = Buffer.alloc(16 << 10);
  private used = 0;
  /** Where word `id`'s bytes lie in the arena: [starts[id], starts[id] + lengths[id]). */
  private starts = new Int32Array(1024);
  private lengths = new Int32Array(1024);

  /** A vocabulary holding `words` with ids 0, 1, … in that order. */
  static from(words: readonly string[]): Vocabulary {
    const v = new Vocabulary();
    for (const w of words) {
      if (typeof w !== 'string') throw new OptionError(`Vocabulary.from: words must be strings, got ${typeof w}`);
      v.idOf(w);
    }
    return v;
  }

  get size(): number {
    return this.words.length;
  }

  toJSON(): string[] {
    return this.words;
  }

  /** The id of `word`, added when new. */
  idOf(word: string): number {
    const id = this.byWord.get(word);
    if (id !== undefined) return id;
    const bytes = Buffer.from(word, 'utf8');
    return this.add(bytes, 0, bytes.length, hashOf(bytes, 0, bytes.length), word);
  }

  /** The id of the text in bytes [start, end) of `buf`, added when new; no string is made for a word seen before. */
  idOfBytes(buf: Uint8Array, start: number, end: number): number {
    return this.idOfHashed(buf, start, end, hashOf(buf, start, end));
  }

  /**
   * Decodes the field at `i` of `buf` (unquoted, or quoted without `""`) to its id in
   * `col[row]`, hashing its bytes while it looks for the field's end: a word seen before
   * costs one pass over its bytes, a probe and a byte comparison, and no string. Returns the
   * index of what ends the field (the delimiter `d0`, or the CR/LF ending the line), or -1
   * when it cannot (a quote inside an unquoted field, `""`, a newline inside quotes, text
   * after the closing quote): the caller then takes the FieldScanner path, which decides.
   * For single-byte delimiters only.
   * Hot loop: called once per categorical field by the fast engine's decode loop; the scan
   * and the hash share one pass (a second pass over the bytes was the measured cost).
   */
  decodeField(buf: Uint8Array, i: number, d0: number, col: Int32Array, row: number): number {
    let h = FNV_OFFSET;
    let c = buf[i]!;
    let start = i;
    let end: number;
    if (c === QUOTE) {
      start = ++i;
      const n = buf.length;
      for (;;) {
        if (i >= n) return -1;
        c = buf[i]!;
        if (c === QUOTE || c === LF) break;
        h = Math.imul(h ^ c, FNV_PRIME);
        i++;
      }
      if (c === LF) return -1;
      end = i++;
      c = buf[i]!;
      if (!(c === d0 || c === LF || (c === CR && buf[i + 1] === LF))) return -1; // "" or text after the quote
    } else {
      for (;;) {
        while (c > QUOTE && c !== d0) {
          h = Math.imul(h ^ c, FNV_PRIME);
          c = buf[++i]!;
        }
        if (c === d0 || c === LF) break;
        if (c === QUOTE) return -1;
        if (c === CR && buf[i + 1] === LF) break;
        h = Math.imul(h ^ c, FNV_PRIME);
        c = buf[++i]!;
      }
      end = i;
    }
    col[row] = this.idOfHashed(buf, start, end, h);
    return i;
  }

  private idOfHashed(buf: Uint8Array, start: number, end: number, h: number): number {
    const t = this.table;
    const mask = (t.length >> 2) - 1;
    const n = end - start;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const id = t[4 * s]!;
      if (id < 0) break;
      if (t[4 * s + 1] === h && t[4 * s + 3] === n && this.equals(t[4 * s + 2]!, buf, start, n)) return id;
    }
    const word = Buffer.prototype.toString.call(buf, 'utf8', start, end);
    const known = this.byWord.get(word);
    if (known !== undefined) return known; // same text, other bytes (invalid UTF-8): one id
    return this.add(buf, start, end, h, word);
  }

  /** Whether arena bytes [s, s + n) are bytes [start, start + n) of `buf`. */
  private equals(s: number, buf: Uint8Array, start: number, n: number): boolean {
    const a = this.arena;
    for (let k = 0; k < n; k++) if (a[s + k] !== buf[start + k]) return false;
    return true;
  }

  private add(buf: Uint8Array, start: number, end: number, h: number, word: string): number {
    const id = this.words.length;
    this.words.push(word);
    this.byWord.set(word, id);
    const n = end - start;
    if (this.used + n > this.arena.length) {
      const bigger = Buffer.alloc(Math.max(this.arena.length * 2, this.used + n));
      this.arena.copy(bigger, 0, 0, this.used);
      this.arena = bigger;
    }
    this.arena.set(buf.subarray(start, end), this.used);
    if (id === this.starts.length) {
      this.starts = grown(this.starts);
      this.lengths = grown(this.lengths);
    }
    this.starts[id] = this.used;
    this.lengths[id] = n;
    this.used += n;
    if ((id + 1) * 8 > this.table.length) this.grow(); // at most half the slots in use
    else this.place(id, h);
    return id;
  }

  private place(id: number, h: number): void {
    const t = this.table;
    const mask = (t.length >> 2) - 1;
    let s = h & mask;
    while (t[4 * s]! >= 0) s = (s + 1) & mask;
    t[4 * s] = id;
    t[4 * s + 1] = h;
    t[4 * s + 2] = this.starts[id]!;
    t[4 * s + 3] = this.lengths[id]!;
  }

  private grow(): void {
    this.table = emptyTable(this.table.length >> 1); // twice the slots
    for (let id = 0; id < this.words.length; id++) this.place(id, hashOf(this.arena, this.starts[id]!, this.starts[id]! + this.lengths[id]!));
  }
}

/** A vocabulary for each 'category' column: the one given in `given`, else a new one. */
export function vocabulariesFor(columns: Readonly<Record<string, string>> | undefined, given: Readonly<Record<string, Vocabulary>> | undefined): Record<string, Vocabulary> {
  const out: Record<string, Vocabulary> = {};
  if (given !== undefined && (given === null || typeof given !== 'object')) throw new OptionError(`csv: vocabularies must be an object of column name → Vocabulary`);
  for (const [name, v] of Object.entries(given ?? {})) {
    if (columns?.[name] !== 'category') throw new OptionError(`csv: vocabularies.${name} is given, but '${name}' is not a 'category' column`);
    if (!(v instanceof Vocabulary)) throw new OptionError(`csv: vocabularies.${name} must be a Vocabulary (Vocabulary.from(words) loads one)`);
    out[name] = v;
  }
  for (const [name, dtype] of Object.entries(columns ?? {})) if (dtype === 'category') out[name] ??= new Vocabulary();
  return out;
}

/** Readers that decode ranges apart (workers, block shuffles) cannot share one vocabulary in order: they reject 'category'. */
export function rejectCategories(where: string, columns: Readonly<Record<string, string>> | undefined): void {
  const cats = Object.keys(columns ?? {}).filter((k) => columns![k] === 'category');
  if (cats.length > 0) throw new OptionError(`${where}: 'category' columns (${cats.join(', ')}) are read by csv() only: ranges decoded apart would number the words in different orders`);
}

export const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/**
 * FNV-1a (32-bit) over bytes [start, end), from offset basis `basis` (decodeField computes the
 * same while it scans; features/hash.ts hashes text with it).
 */
export function hashOf(buf: Uint8Array, start: number, end: number, basis = FNV_OFFSET): number {
  let h = basis;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
  return h;
}

/** A table of `slots` empty slots (four ints each). */
function emptyTable(slots: number): Int32Array<ArrayBuffer> {
  const t = new Int32Array(4 * slots);
  for (let s = 0; s < t.length; s += 4) t[s] = -1;
  return t;
}

function grown(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Finds where a field ends, quoted or not, for the fast engine. After scan(), the field's
 * text is bytes [start, end) (between the quotes for a quoted field); `escaped` says it
 * holds `""` pairs, to be unescaped.
 */
export class FieldScanner {
  start = 0;
  end = 0;
  escaped = false;
  private readonly d0: number;
  private readonly multi: boolean;

  constructor(private readonly delim: Buffer) {
    this.d0 = delim[0]!;
    this.multi = delim.length > 1;
  }

  /**
   * Scans the field at `i`; returns the index of what ends it (a delimiter, a CR before LF,
   * or an LF), or -1 when the fast engine cannot read it (a newline inside quotes, text
   * after a closing quote, a quote inside an unquoted field): the general engine takes over.
   */
  scan(buf: Buffer, i: number): number {
    if (buf[i] === QUOTE) return this.quoted(buf, i + 1);
    this.escaped = false;
    this.start = i;
    for (;;) {
      const c = buf[i]!;
      if (c === LF) break;
      if (c === QUOTE) return -1;
      if (c === this.d0 && (!this.multi || this.delimAt(buf, i))) break;
      i++;
    }
    this.end = buf[i] === LF && i > this.start && buf[i - 1] === CR ? i - 1 : i;
    return this.end;
  }

  /** The field's text with `""` unescaped (used only when `escaped`). */
  text(buf: Buffer): string {
    return buf.toString('utf8', this.start, this.end).replaceAll('""', '"');
  }

  private quoted(buf: Buffer, i: number): number {
    this.start = i;
    this.escaped = false;
    const n = buf.length;
    for (;;) {
      if (i >= n) return -1;
      const c = buf[i]!;
      if (c === LF) return -1;
      if (c === QUOTE) {
        if (buf[i + 1] === QUOTE) {
          this.escaped = true;
          i += 2;
          continue;
        }
        break;
      }
      i++;
    }
    this.end = i;
    const after = i + 1;
    const c = buf[after];
    if (c === LF || (c === CR && buf[after + 1] === LF) || (c === this.d0 && (!this.multi || this.delimAt(buf, after)))) return after;
    return -1;
  }

  private delimAt(buf: Buffer, i: number): boolean {
    const d = this.delim;
    for (let k = 1; k < d.length; k++) if (buf[i + k] !== d[k]) return false;
    return true;
  }
}
