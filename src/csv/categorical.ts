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
  private slots = new Int32Array(1024).fill(-1);
  private hashes = new Int32Array(1024);
  private arena = Buffer.alloc(16 << 10);
  private used = 0;
  private starts: number[] = [];
  private ends: number[] = [];

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
    const h = hashOf(buf, start, end);
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const id = this.slots[s]!;
      if (id < 0) break;
      if (this.hashes[s] === h && this.equals(id, buf, start, end)) return id;
    }
    const word = Buffer.prototype.toString.call(buf, 'utf8', start, end);
    const known = this.byWord.get(word);
    if (known !== undefined) return known; // same text, other bytes (invalid UTF-8): one id
    return this.add(buf, start, end, h, word);
  }

  private equals(id: number, buf: Uint8Array, start: number, end: number): boolean {
    const s = this.starts[id]!;
    const n = this.ends[id]! - s;
    if (n !== end - start) return false;
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
    this.starts.push(this.used);
    this.ends.push(this.used + n);
    this.used += n;
    if ((id + 1) * 2 > this.slots.length) this.grow();
    else this.place(id, h);
    return id;
  }

  private place(id: number, h: number): void {
    const mask = this.slots.length - 1;
    let s = h & mask;
    while (this.slots[s]! >= 0) s = (s + 1) & mask;
    this.slots[s] = id;
    this.hashes[s] = h;
  }

  private grow(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    this.hashes = new Int32Array(this.slots.length);
    for (let id = 0; id < this.words.length; id++) this.place(id, hashOf(this.arena, this.starts[id]!, this.ends[id]!));
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

/** FNV-1a over bytes [start, end). */
function hashOf(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h;
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
