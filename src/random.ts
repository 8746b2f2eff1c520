// Seeded random numbers for shuffling. Written here rather than taken from a library
// because the shuffle buffer draws one number per element: a small closure that V8
// inlines (sfc32, seeded through splitmix32) is several times faster than a general
// generator object, and it keeps results identical across platforms.
//
// The sfc32 step has one home, this file: randomInt's closure (for callers that draw now and
// then), nextBelow over an Int32Array state (for loops that hand the state on from call to
// call), and drawBelow's batch draws. Two hot loops that draw once a row
// keep the step in locals instead (shuffle/width4.ts swapDrawn4 and dealShuffled4);
// test/random.test.ts pins each of them to randomInt's stream draw for draw.

/** A seeded generator of integers in [0, n). */
export type RandomInt = (n: number) => number;

/** Mixes a seed and a stream number (e.g. the epoch) into one 32-bit seed. */
export function mixSeed(seed: number, stream: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(stream | 0, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A fast seeded generator of uniform integers in [0, n) for n <= 2^32.
 * @example
 * const rand = randomInt(42);
 * rand(10); // an integer in 0..9, the same for seed 42 on every machine
 */
export function randomInt(seed: number): RandomInt {
  const [a0, b0, c0, d0] = randomState(seed);
  let [a, b, c, d] = [a0!, b0!, c0!, d0!];
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  };
  // Multiply-shift maps 32 random bits onto [0, n) with bias below 2^-32 * n: negligible here.
  return (n: number) => Math.floor((next() / 4294967296) * n);
}

/**
 * The state of the generator behind randomInt(seed), as four int32s, for loops that draw
 * once a row: they keep it in locals (one step is six integer operations) and store it back,
 * where a call to a closure per draw costs several times as much. `randomInt(seed)` and a
 * loop over `randomState(seed)` draw the same numbers.
 * @example
 * const s = randomState(7);
 * let [a, b, c, d] = s; // … steps as in randomInt …; then s.set([a, b, c, d])
 */
export function randomState(seed: number): Int32Array {
  // splitmix32 spreads the seed over sfc32's 128-bit state.
  let s = seed >>> 0;
  const split = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  const state = Int32Array.of(split(), split(), split(), split());
  for (let i = 0; i < 12; i++) nextBelow(state, 1);
  return state;
}

/** The next integer in [0, n) from `state` (see randomState). */
export function nextBelow(state: Int32Array, n: number): number {
  const [a, b, c, d] = state as unknown as [number, number, number, number];
  const t = (((a + b) | 0) + d) | 0;
  state[3] = (d + 1) | 0;
  state[0] = b ^ (b >>> 9);
  state[1] = (c + (c << 3)) | 0;
  state[2] = (((c << 21) | (c >>> 11)) + t) | 0;
  return Math.floor(((t >>> 0) / 4294967296) * n);
}

/**
 * Fills `out[0..count)` with draws from `state`, as `count` calls of nextBelow would, with the
 * state in locals: out[k] in [0, n + rising × k). `rising` 0 (the shuffle buffer's row path:
 * one bound) or 1 (an inside-out Fisher–Yates continued at row n - 1: row n - 1 + k trades
 * places with row out[k]). A call per draw cost the shuffle buffer a fifth of its speed
 * (bench/ab.ts stages).
 */
export function drawBelow(state: Int32Array, n: number, count: number, out: Int32Array, rising: 0 | 1 = 0): void {
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  for (let k = 0; k < count; k++) {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + t) | 0;
    out[k] = Math.floor(((t >>> 0) / 4294967296) * (n + rising * k));
  }
  state[0] = a;
  state[1] = b;
  state[2] = c;
  state[3] = d;
}

/**
 * An inside-out Fisher–Yates over `items` in place (row i trades places with a random row in
 * [0, i], in order), drawn from `state` a batch at a time: the block shuffle's order within a
 * block (rows that do not pack) and its interleaving labels. Typed arrays and arrays alike.
 */
export function shuffleInsideOut<A extends { [i: number]: unknown; readonly length: number }>(items: A, state: Int32Array): void {
  const draws = new Int32Array(Math.min(items.length, 4096));
  for (let at = 0; at < items.length; at += draws.length) {
    const n = Math.min(draws.length, items.length - at);
    drawBelow(state, at + 1, n, draws, 1);
    for (let k = 0; k < n; k++) {
      const i = at + k;
      const j = draws[k]!;
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t as A[number];
    }
  }
}

/** Fisher–Yates shuffle of `array` in place. */
export function shuffleInPlace<T>(array: T[] | Int32Array | Float64Array, rand: RandomInt): void {
  for (let i = array.length - 1; i > 0; i--) {
    const j = rand(i + 1);
    const t = array[i]!;
    array[i] = array[j]!;
    array[j] = t as never;
  }
}

/** A seeded permutation of 0..n-1. */
export function permutation(n: number, rand: RandomInt): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  shuffleInPlace(p, rand);
  return p;
}
