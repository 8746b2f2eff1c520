// Multi-valued fields ("Action|Adventure"): a 'category' column read by csv's fast engine
// holds one id per distinct combination (its bytes looked up in the byte loop, no string
// per field). MultiValued splits each combination once, when first met, into token ids (a
// CSR table: offsets + ids), and expands a batch's combination ids into a fixed-width
// multi-hot or a padded id list.
//
// Where the wide column lives: only in batches, as the last stage. A chunk keeps
// `columns[x].length === size` (chunk.ts) so that shuffle, cache, join and batch move rows
// by index; the compact int32 combination id travels through them, and the expansion makes
// a batch whose `widths[x]` says that column x holds `size × widths[x]` values, row-major.
// toTfDataset turns such a column into a [size, width] tensor.
import type { NumericArray } from '../chunk.js';
import type { Vocabulary } from '../csv/categorical.js';
import type { Dataset } from '../dataset.js';
import { describe, OptionError } from '../errors.js';
import { checkOptionNames } from '../options.js';
import { eachColumn, type FitOptions, integerIn, statsRecord, type Transformed } from './column.js';

/** What `MultiValued` holds; plain JSON. Ids: 0 = pad, 1 = OOV, `tokens[k]` = k + 2. */
export interface MultiValuedStats {
  readonly kind: 'multiValued';
  readonly column: string;
  readonly separator: string;
  readonly tokens: readonly string[];
}

export interface MultiValuedFitOptions extends FitOptions {
  /** The vocabulary of the 'category' column (each word is a combination such as "Action|Adventure"). */
  vocabulary: Vocabulary;
  /** Between tokens (default '|'). */
  separator?: string;
  /** Keep at most this many tokens, the most frequent (ties in lexicographic order). */
  maxTokens?: number;
}

/** A batch some of whose columns are wide: column `x` holds `size × widths[x]` values, row-major. */
export interface WideBatch<C, W extends string> {
  readonly size: number;
  readonly columns: Readonly<C>;
  readonly widths: { readonly [K in W]: number };
}

type BatchOf<C> = { readonly size: number; readonly columns: C };

/**
 * Tokens of a multi-valued 'category' column, learnt in one pass (or loaded), and the
 * expansion of a batch's column: `multiHot` (Float32Array, `size × width`, 1 where the row
 * has the token; width = tokens + 2, column 0 being the pad id's, always 0) or `padded`
 * (Int32Array, `size × maxLen`, the row's token ids in field order then 0 = pad; longer
 * lists are cut). A token not in the list is id 1 (OOV).
 * @example
 * const movies = csv('movies.csv', { columns: { movieId: 'int32', genres: 'category' } });
 * const genres = await MultiValued.fit(movies, 'genres', { vocabulary: movies.vocabularies.genres });
 * const batches = genres.multiHot(movies.batch(256)); // columns.genres: Float32Array of 256 × genres.width
 */
export class MultiValued<N extends string = string> {
  private readonly index = new Map<string, number>();
  /** Token ids of combination c: ids[offsets[c] … offsets[c + 1]). */
  private offsets = new Int32Array(1);
  private ids = new Int32Array(0);
  private combinations = 0;

  private constructor(
    readonly stats: MultiValuedStats,
    private readonly vocabulary: Vocabulary,
  ) {
    stats.tokens.forEach((t, k) => this.index.set(t, k + 2));
  }

  get column(): N {
    return this.stats.column as N;
  }

  /** Multi-hot width: tokens + 2 (pad, OOV). */
  get width(): number {
    return this.stats.tokens.length + 2;
  }

  /** Learns the tokens from one pass over one epoch of `ds` (each combination split once). */
  static async fit<T, C, const N extends keyof C & string>(ds: Dataset<T, C>, column: N, options: MultiValuedFitOptions): Promise<MultiValued<N>> {
    checkOptionNames('multiValued.fit', options, ['vocabulary', 'separator', 'maxTokens', 'signal']);
    const where = 'multiValued.fit';
    const separator = checkSeparator(where, options.separator ?? '|');
    const maxTokens = integerIn(where, 'maxTokens', options.maxTokens ?? 2 ** 31 - 1, 0);
    const vocab = options.vocabulary;
    const counts = new Map<number, number>();
    await eachColumn(ds as Dataset<unknown, unknown>, column, 'multiValued', (values, size) => {
      for (let i = 0; i < size; i++) counts.set(values[i]!, (counts.get(values[i]!) ?? 0) + 1);
    }, options.signal === undefined ? {} : { signal: options.signal });
    const byToken = new Map<string, number>();
    for (const [id, n] of counts) {
      const word = vocab.words[id];
      if (word === undefined) throw new RangeError(`${where}: ${describe(id)} is not an id of the vocabulary given (${vocab.size} words)`);
      for (const t of split(word, separator)) byToken.set(t, (byToken.get(t) ?? 0) + n);
    }
    const tokens = [...byToken].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, maxTokens).map(([t]) => t);
    return new MultiValued<N>({ kind: 'multiValued', column, separator, tokens }, vocab);
  }

  /** Saved stats, with the column's vocabulary (saved on its own: `Vocabulary.from(words)`). */
  static fromJSON<N extends string = string>(json: unknown, options: { vocabulary: Vocabulary }): MultiValued<N> {
    const r = statsRecord('multiValued', json);
    const tokens = r.tokens;
    if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string') || new Set(tokens).size !== tokens.length) {
      throw new OptionError(`multiValued.fromJSON: tokens must be an array of distinct strings, got ${describe(tokens)}`);
    }
    return new MultiValued<N>({ kind: 'multiValued', column: r.column as string, separator: checkSeparator('multiValued.fromJSON', r.separator), tokens }, options.vocabulary);
  }

  toJSON(): MultiValuedStats {
    return this.stats;
  }

  /** The token ids of combination `id` (a reader id of the vocabulary), in field order. */
  tokenIds(id: number): Int32Array {
    this.grow(id);
    return this.ids.subarray(this.offsets[id]!, this.offsets[id + 1]!);
  }

  /** Batches with column `N` expanded to a multi-hot (Float32Array, `size × width`), written as `as`. */
  multiHot<C extends { readonly [K in N]: NumericArray }, const O extends string = N>(ds: Dataset<BatchOf<C>, unknown>, options: { as?: O } = {}): Dataset<WideBatch<Transformed<C, O, Float32Array>, O>> {
    const width = this.width;
    return this.expand(ds, options, width, (ids, out, row) => {
      for (let k = this.offsets[ids]!; k < this.offsets[ids + 1]!; k++) out[row * width + this.ids[k]!] = 1;
    }, (n) => new Float32Array(n));
  }

  /** Batches with column `N` expanded to padded id lists (Int32Array, `size × maxLen`, 0 = pad), written as `as`. */
  padded<C extends { readonly [K in N]: NumericArray }, const O extends string = N>(ds: Dataset<BatchOf<C>, unknown>, options: { maxLen: number; as?: O }): Dataset<WideBatch<Transformed<C, O, Int32Array>, O>> {
    const maxLen = integerIn('multiValued.padded', 'maxLen', options?.maxLen, 1, 1 << 16);
    return this.expand(ds, { as: options.as }, maxLen, (ids, out, row) => {
      const start = this.offsets[ids]!;
      const n = Math.min(maxLen, this.offsets[ids + 1]! - start);
      for (let k = 0; k < n; k++) out[row * maxLen + k] = this.ids[start + k]!;
    }, (n) => new Int32Array(n));
  }

  private expand<C, O extends string, A extends Float32Array | Int32Array>(ds: Dataset<BatchOf<C>, unknown>, options: { as?: O | undefined }, width: number, write: (combination: number, out: A, row: number) => void, make: (n: number) => A): Dataset<WideBatch<Transformed<C, O, A>, O>> {
    checkOptionNames('multiValued', options, ['as', 'maxLen']);
    const column = this.column;
    const out = (options.as ?? column) as O;
    return ds.map((batch, index) => {
      const values = (batch.columns as Readonly<Record<string, NumericArray | undefined>>)[column];
      if (values === undefined) throw new RangeError(`multiValued: batch ${index} has no column '${column}'`);
      const size = batch.size;
      const wide = make(size * width);
      for (let row = 0; row < size; row++) {
        const id = values[row]!;
        if (!(id >= 0 && id < this.combinations)) this.grow(id);
        write(id, wide, row);
      }
      return { size, columns: { ...batch.columns, [out]: wide } as Transformed<C, O, A>, widths: { [out]: width } as { readonly [K in O]: number } };
    });
  }

  /** Splits the vocabulary's combinations up to `id` into token ids (once each). */
  private grow(id: number): void {
    const vocab = this.vocabulary;
    if (!(Number.isInteger(id) && id >= 0 && id < vocab.size)) throw new RangeError(`multiValued: ${describe(id)} is not an id of the vocabulary given (${vocab.size} words)`);
    if (id < this.combinations) return;
    const ids: number[] = Array.from(this.ids);
    const offsets: number[] = Array.from(this.offsets);
    for (let c = this.combinations; c < vocab.size; c++) {
      for (const t of split(vocab.words[c]!, this.stats.separator)) ids.push(this.index.get(t) ?? 1);
      offsets.push(ids.length);
    }
    this.ids = Int32Array.from(ids);
    this.offsets = Int32Array.from(offsets);
    this.combinations = vocab.size;
  }
}

/** The tokens of a field: split on the separator, empty ones dropped ("(no genres listed)" is a token like any other). */
function split(word: string, separator: string): string[] {
  return word.split(separator).filter((t) => t !== '');
}

function checkSeparator(where: string, s: unknown): string {
  if (typeof s !== 'string' || s === '') throw new OptionError(`${where}: separator must be a non-empty string, got ${describe(s)}`);
  return s;
}
