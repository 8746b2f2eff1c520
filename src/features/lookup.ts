// lookup: a vocabulary of tokens → dense int32 ids, with OOV buckets for the rest, learnt in
// one streamed pass — Keras's StringLookup / IntegerLookup and their adapt().
import type { NumericArray } from '../chunk.js';
import type { Vocabulary } from '../csv/categorical.js';
import type { Dataset } from '../dataset.js';
import { describe, OptionError } from '../errors.js';
import { checkOptionNames } from '../options.js';
import { type ApplyOptions, applyColumn, eachColumn, type FitOptions, integerIn, statsRecord, type TransformedDataset } from './column.js';
import { extend, hashNumber, hashText } from './hash.js';

/** A token: a category's word, or a number. */
export type Token = string | number;

/** What `Lookup` holds; plain JSON. Ids: [0, numOov) are the OOV buckets, `tokens[k]` is id `numOov + k`. */
export interface LookupStats {
  readonly kind: 'lookup';
  readonly column: string;
  readonly tokens: readonly Token[];
  readonly numOov: number;
}

export interface LookupFitOptions extends FitOptions {
  /** Keep at most this many tokens (the most frequent; default: all). */
  maxTokens?: number;
  /** Keep only tokens seen at least this often (default 1). */
  minCount?: number;
  /** OOV buckets (default 1); 0 makes an unknown token a stage error. */
  numOov?: number;
  /** 'frequency' (default): most frequent first, ties in lexicographic order; 'firstSeen': in the order of the pass. */
  order?: 'frequency' | 'firstSeen';
  /** For a 'category' column: its vocabulary, so that tokens are words (not the reader's ids). */
  vocabulary?: Vocabulary;
}

/**
 * Maps a column to dense int32 ids through a learnt vocabulary: the `maxTokens` most frequent
 * tokens (ties broken lexicographically, so the same data in any row order gives the same
 * ids; or `order: 'firstSeen'`) get ids `numOov …`; any other token goes to OOV bucket
 * `hash(text) mod numOov` (the stable hash of features/hash.ts). Tokens are a 'category'
 * column's words (pass its `vocabulary`) or numbers (raw ids such as movieId).
 * @example
 * const users = csv('users.csv', { columns: { userId: 'int32', occupation: 'category' } });
 * const occupations = await Lookup.fit(users, 'occupation', { vocabulary: users.vocabularies.occupation, maxTokens: 20 });
 * const withIds = occupations.apply(users); // occupation: Int32Array of 0 (OOV) … 20
 * occupations.size; // ids in use: numOov + tokens
 */
export class Lookup<N extends string = string> {
  private readonly index = new Map<Token, number>();

  private constructor(
    readonly stats: LookupStats,
    private readonly vocabulary: Vocabulary | undefined,
  ) {
    stats.tokens.forEach((t, k) => this.index.set(t, stats.numOov + k));
  }

  get column(): N {
    return this.stats.column as N;
  }

  /** Ids in use: OOV buckets plus tokens (an embedding's input size). */
  get size(): number {
    return this.stats.numOov + this.stats.tokens.length;
  }

  /** The id of a token (an OOV bucket when unknown; -1 when unknown and there are none). */
  idOf(token: Token): number {
    const id = this.index.get(token);
    if (id !== undefined) return id;
    const n = this.stats.numOov;
    if (n === 0) return -1;
    return (typeof token === 'number' ? hashNumber(token) : hashText(token)) % n;
  }

  /** Learns the vocabulary of `column` in one pass over one epoch of `ds`. */
  static async fit<T, C, const N extends keyof C & string>(ds: Dataset<T, C>, column: N, options: LookupFitOptions = {}): Promise<Lookup<N>> {
    checkOptionNames('lookup.fit', options, ['maxTokens', 'minCount', 'numOov', 'order', 'vocabulary', 'signal']);
    const where = 'lookup.fit';
    const maxTokens = integerIn(where, 'maxTokens', options.maxTokens ?? 2 ** 31 - 1, 0);
    const minCount = integerIn(where, 'minCount', options.minCount ?? 1, 1);
    const numOov = integerIn(where, 'numOov', options.numOov ?? 1, 0, 1 << 20);
    const order = options.order ?? 'frequency';
    if (order !== 'frequency' && order !== 'firstSeen') throw new OptionError(`${where}: order must be 'frequency' or 'firstSeen', got ${describe(order)}`);
    const counts = new Map<number, number>(); // in first-seen order (a Map keeps insertion order)
    await eachColumn(ds as Dataset<unknown, unknown>, column, 'lookup', (values, size) => {
      for (let i = 0; i < size; i++) {
        const v = values[i]!;
        counts.set(v, (counts.get(v) ?? 0) + 1);
      }
    }, options.signal === undefined ? {} : { signal: options.signal });
    const vocab = options.vocabulary;
    let entries: [Token, number][] = [...counts].filter(([, n]) => n >= minCount).map(([v, n]) => [vocab === undefined ? v : wordOf(vocab, v), n]);
    if (order === 'frequency') entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    entries = entries.slice(0, maxTokens);
    return new Lookup<N>({ kind: 'lookup', column, tokens: entries.map(([t]) => t), numOov }, vocab);
  }

  /** Saved stats; a category column's vocabulary is given again (it is saved on its own). */
  static fromJSON<N extends string = string>(json: unknown, options: { vocabulary?: Vocabulary } = {}): Lookup<N> {
    const r = statsRecord('lookup', json);
    const where = 'lookup.fromJSON';
    const tokens = r.tokens;
    if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string' || (typeof t === 'number' && Number.isFinite(t)))) {
      throw new OptionError(`${where}: tokens must be an array of strings or finite numbers, got ${describe(tokens)}`);
    }
    if (new Set(tokens).size !== tokens.length) throw new OptionError(`${where}: tokens must be distinct`);
    return new Lookup<N>({ kind: 'lookup', column: r.column as string, tokens, numOov: integerIn(where, 'numOov', r.numOov, 0, 1 << 20) }, options.vocabulary);
  }

  toJSON(): LookupStats {
    return this.stats;
  }

  /** The dataset with the column replaced by ids (Int32Array), or written as `options.as`. */
  apply<T, C extends { readonly [K in N]: NumericArray }, const O extends string = N>(ds: Dataset<T, C>, options?: ApplyOptions<O>): TransformedDataset<C, O, Int32Array> {
    const vocab = this.vocabulary;
    const unknown = (v: Token) => new RangeError(`lookup: ${describe(v)} is not in the vocabulary and there are no OOV buckets (numOov: 0)`);
    if (vocab === undefined) {
      return applyColumn(ds, 'lookup', this.column, options, (values, size) => {
        const out = new Int32Array(size);
        for (let i = 0; i < size; i++) {
          const id = this.idOf(values[i]!);
          if (id < 0) throw unknown(values[i]!);
          out[i] = id;
        }
        return out;
      });
    }
    let byId: Int32Array = new Int32Array(0); // output id of each reader id, grown with the vocabulary
    return applyColumn(ds, 'lookup', this.column, options, (values, size) => {
      if (byId.length < vocab.size) byId = extend(byId, vocab, (w) => this.idOf(w));
      const out = new Int32Array(size);
      for (let i = 0; i < size; i++) {
        const id = byId[values[i]!];
        if (id === undefined) throw new RangeError(`lookup: ${describe(values[i])} is not an id of the vocabulary given (${byId.length} words)`);
        if (id < 0) throw unknown(vocab.words[values[i]!]!);
        out[i] = id;
      }
      return out;
    });
  }
}

function wordOf(vocab: Vocabulary, id: number): string {
  const w = vocab.words[id];
  if (w === undefined) throw new RangeError(`lookup.fit: ${describe(id)} is not an id of the vocabulary given (${vocab.size} words)`);
  return w;
}
