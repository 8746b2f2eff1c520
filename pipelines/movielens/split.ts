// The train/test split is a pure function of (userId, movieId, seed): a row never moves
// between sets across epochs or runs, and no list of test rows is kept in memory.

/**
 * True when the rating of `userId` for `movieId` belongs to the test set: a 32-bit hash of
 * the pair and the seed falls below `fraction` of the hash range.
 * @example
 * isTestRow(1, 31, 0.1, 0); // the same answer on every epoch and machine
 */
export function isTestRow(userId: number, movieId: number, fraction: number, seed: number): boolean {
  return pairHash(userId, movieId, seed) < fraction * 4294967296;
}

/** A well-mixed unsigned 32-bit hash of two integers and a seed (murmur3-style finaliser). */
export function pairHash(a: number, b: number, seed: number): number {
  let h = Math.imul((a | 0) ^ 0x5bd1e995, 0x9e3779b1) ^ (seed | 0);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h ^= Math.imul((b | 0) ^ 0x27d4eb2f, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
