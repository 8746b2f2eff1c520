// hash: a column's values into N buckets by a stable, documented hash — Keras's Hashing
// layer. The hash is FNV-1a (32-bit) of the UTF-8 bytes of the value's text, so a number and
// the same text read as a word land in the same bucket, in any language that implements it.
import type { NumericArray } from '../chunk.js';
import { FNV_OFFSET, hashOf, type Vocabulary } from '../csv/categorical.js';
import type { Dataset } from '../dataset.js';
import { describe, OptionError } from '../errors.js';
import { checkOptionNames } from '../options.js';
import { type ApplyOptions, applyColumn, integerIn, statsRecord, type TransformedDataset } from './column.js';

/** What `HashBuckets` holds; plain JSON. */
export interface HashStats {
  readonly kind: 'hash';
  readonly column: string;
  readonly buckets: number;
  /** Mixed into the hash: the offset basis is 0x811c9dc5 XOR salt (default 0). */
  readonly salt: number;
}

export interface HashOptions {
  /** Buckets (1 … 2^31 − 1). */
  buckets: number;
  salt?: number;
  /**
   * For a 'category' column: its vocabulary, so that the word is hashed rather than its id
   * (a word's bucket then does not depend on the order words were met). Each word is
   * hashed once, when first met.
   */
  vocabulary?: Vocabulary;
}

const digits = new Uint8Array(24);

/** The FNV-1a hash (unsigned 32-bit) of `text`'s UTF-8 bytes, from basis 0x811c9dc5 XOR `salt`. */
export function hashText(text: string, salt = 0): number {
  const bytes = Buffer.from(text, 'utf8');
  return hashOf(bytes, 0, bytes.length, FNV_OFFSET ^ salt) >>> 0;
}

/** `hashText(String(x), salt)`, without making the string for a safe integer. */
export function hashNumber(x: number, salt = 0): number {
  if (!Number.isSafeInteger(x)) return hashText(String(x), salt);
  let n = 0;
  let v = Math.abs(x);
  do {
    digits[digits.length - 1 - n++] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  } while (v > 0);
  if (x < 0) digits[digits.length - 1 - n++] = 0x2d;
  return hashOf(digits, digits.length - n, digits.length, FNV_OFFSET ^ salt) >>> 0;
}

/**
 * Replaces a column by `hash(text) mod buckets` (Int32Array), where the text of a number is
 * `String(x)` ("42", "-7", "2.5") and of a category id its vocabulary's word. Stateless: no
 * fit; `toJSON`/`fromJSON` save the bucket count and salt.
 * @example
 * const ratings = csv('ratings.csv', { columns: { userId: 'int32', movieId: 'int32', rating: 'float32' } });
 * const hashed = HashBuckets.of('userId', { buckets: 1 << 16 }).apply(ratings);
 * hashText('42') % 7 === hashNumber(42) % 7; // true
 */
export class HashBuckets<N extends string = string> {
  private constructor(
    readonly stats: HashStats,
    private readonly vocabulary: Vocabulary | undefined,
  ) {}

  get column(): N {
    return this.stats.column as N;
  }

  static of<const N extends string>(column: N, options: HashOptions): HashBuckets<N> {
    checkOptionNames('hash', options, ['buckets', 'salt', 'vocabulary']);
    return new HashBuckets<N>(checkStats('hash', column, options.buckets, options.salt ?? 0), options.vocabulary);
  }

  /** Saved stats; a category column's vocabulary is given again (it is saved on its own). */
  static fromJSON<N extends string = string>(json: unknown, options: { vocabulary?: Vocabulary } = {}): HashBuckets<N> {
    const r = statsRecord('hash', json);
    return new HashBuckets<N>(checkStats('hash.fromJSON', r.column as string, r.buckets, r.salt), options.vocabulary);
  }

  toJSON(): HashStats {
    return this.stats;
  }

  apply<T, C extends { readonly [K in N]: NumericArray }, const O extends string = N>(ds: Dataset<T, C>, options?: ApplyOptions<O>): TransformedDataset<C, O, Int32Array> {
    const { buckets, salt } = this.stats;
    const vocab = this.vocabulary;
    if (vocab === undefined) {
      return applyColumn(ds, 'hash', this.column, options, (values, size) => {
        const out = new Int32Array(size);
        for (let i = 0; i < size; i++) out[i] = hashNumber(values[i]!, salt) % buckets;
        return out;
      });
    }
    let byId: Int32Array = new Int32Array(0); // bucket of each vocabulary id, grown as the vocabulary grows
    return applyColumn(ds, 'hash', this.column, options, (values, size) => {
      if (byId.length < vocab.size) byId = extend(byId, vocab, (w) => hashText(w, salt) % buckets);
      const out = new Int32Array(size);
      for (let i = 0; i < size; i++) {
        const id = values[i]!;
        if (!(id >= 0 && id < byId.length)) throw new RangeError(`hash: ${describe(id)} is not an id of the vocabulary given (${byId.length} words)`);
        out[i] = byId[id]!;
      }
      return out;
    });
  }
}

/** `table` extended with `f(word)` for the vocabulary's words it lacks (one call per new word). */
export function extend(table: Int32Array, vocab: Vocabulary, f: (word: string) => number): Int32Array {
  const out = new Int32Array(vocab.size);
  out.set(table);
  for (let id = table.length; id < out.length; id++) out[id] = f(vocab.words[id]!);
  return out;
}

function checkStats(where: string, column: string, buckets: unknown, salt: unknown): HashStats {
  if (typeof column !== 'string' || column === '') throw new OptionError(`${where}: column must be a non-empty string, got ${describe(column)}`);
  return { kind: 'hash', column, buckets: integerIn(where, 'buckets', buckets, 1, 2 ** 31 - 1), salt: integerIn(where, 'salt', salt, 0, 2 ** 31 - 1) };
}
