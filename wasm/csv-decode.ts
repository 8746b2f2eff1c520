// AssemblyScript source of the fast engine's SIMD kernel (built into src/csv/csv-decode.wasm
// by `npm run build:wasm`: wasm/build.mjs). It decodes the rows of a block that are
// plain — every selected field an optional '-', digits and at most one '.', at most 15
// digits, the row at most 64 bytes, no quote, a delimiter of one byte or one byte twice
// ('::') — and stops at the first row that is not: the
// JavaScript loop (src/csv/fast.ts), the reference, decodes that one. Per row it finds every
// delimiter and newline in one go (four 16-byte compares into 64-bit masks, as simdjson finds
// structure), so no field waits for the scan of the one before; each number is then built
// eight digits at a time (SWAR). Values match the JavaScript loop bit for bit: the same
// integer mantissa (exact below 2^53) divided by the same exact power of ten.

const POW10: StaticArray<f64> = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
const IPOW10: StaticArray<u64> = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000, 1000000000000000];

/** Why decode() stopped (stored at byte 4). */
const END: i32 = 0;
const FULL: i32 = 1;
const OTHER: i32 = 2;

/** The value of the n (0 to 8) ASCII digits at p. */
@inline function digits8(p: usize, n: i32): u64 {
  return digitsOf(load<u64>(p), n);
}

/** The value of the n (0 to 8) ASCII digits in the low bytes of word (first digit lowest). */
@inline function digitsOf(word: u64, n: i32): u64 {
  // The bytes past the digits shifted out (twice by half: n = 0 shifts by 64, all out).
  const half = <u64>(32 - 4 * n);
  let x = ((word - 0x3030303030303030) << half) << half;
  x = (x * 10 + (x >> 8)) & 0x00ff00ff00ff00ff;
  x = (x * 100 + (x >> 16)) & 0x0000ffff0000ffff;
  return (x * 10000 + (x >> 32)) & 0xffffffff;
}

/** The value of the n (0 to 15) ASCII digits at p. */
@inline function digits(p: usize, n: i32): u64 {
  if (n <= 8) return digits8(p, n);
  return digits8(p, 8) * unchecked(IPOW10[n - 8]) + digits8(p + 8, n - 8);
}

@inline function mask16(v: v128, c: v128): u64 {
  return <u64>i8x16.bitmask(i8x16.eq(v, c));
}

/** Bit k set where byte k of v is an ASCII digit: b + 0x50, as a signed byte, is below -118 exactly for '0'…'9'. */
@inline function digitMask16(v: v128): u64 {
  return <u64>i8x16.bitmask(i8x16.lt_s(i8x16.add(v, i8x16.splat(0x50)), i8x16.splat(-118)));
}

/** The vectors a row is compared with. */
@inline function splat(c: i32): v128 {
  return i8x16.splat(<i8>c);
}

/** Stores ±m at out when it is an int32; false when it is not. */
@inline function storeInt32(out: usize, m: u64, neg: i32): bool {
  if (m > (neg ? 2147483648 : 2147483647)) return false;
  store<i32>(out, neg ? -<i32>m : <i32>m);
  return true;
}

/**
 * Field [s, e) of the row at p, of `kind` (0 skip, 1 int32, 2 float32, 3 float64), written at
 * `out` when it is plain (an optional '-', digits, at most one '.', 1 to 15 digits); false
 * when it is not. The masks are the row's (bit k for byte k).
 */
@inline function decodeField(p: usize, s: i32, e: i32, kind: i32, out: usize, minus: u64, dots: u64, digitBits: u64): bool {
  if (kind == 0) return true;
  const neg = <i32>((minus >> s) & 1);
  const from = s + neg;
  const field = ((<u64>1 << e) - 1) & ~((<u64>1 << from) - 1);
  const dot = dots & field;
  if (kind == 1 && dot == 0) {
    // An integer without a dot (the common int32 field): no dot or scale to look for
    // (~15% of a MovieLens row's time: bench/README.md, "Seventh pass").
    const n = e - from;
    if ((~digitBits & field) != 0 || n <= 0 || n > 15) return false;
    return storeInt32(out, digits(p + from, n), neg);
  }
  if ((~digitBits & field) != dot || popcnt(dot) > 1 || e <= from) return false;
  const dotAt = dot == 0 ? e : <i32>ctz(dot);
  const intDigits = dotAt - from;
  const scale = dot == 0 ? 0 : e - dotAt - 1;
  const nd = intDigits + scale;
  if (nd == 0 || nd > 15) return false;
  let m: u64;
  if (scale == 0) m = digits(p + from, intDigits);
  else if (e - from <= 8) {
    // Digits and the dot in one word: the bytes after the dot moved down over it, then one pass.
    const word = load<u64>(p + from);
    const below = (<u64>1 << (<u64>intDigits << 3)) - 1;
    m = digitsOf((word & below) | ((word >> 8) & ~below), nd);
  } else m = digits(p + from, intDigits) * unchecked(IPOW10[scale]) + digits(p + dotAt + 1, scale);
  if (kind == 1) {
    if (scale != 0 || !storeInt32(out, m, neg)) return false;
  } else {
    let x = <f64>m;
    if (scale != 0) x = x / unchecked(POW10[scale]);
    if (neg) x = -x;
    if (kind == 2) store<f32>(out, <f32>x);
    else store<f64>(out, x);
  }
  return true;
}

/** The bytes of the delimiter `delim` stands for: its byte (bits 0–7) once, or twice when bits 8–15 say 2 ('::'). */
@inline function delimWidth(delim: i32): i32 {
  return delim >> 8 == 2 ? 2 : 1;
}

/**
 * Decodes the row at p if it is plain, writing field f's value at base_f + index * step_f
 * (desc: nFields entries of kind, base, step, 0 as i32; kind 0 skip, 1 int32, 2 float32,
 * 3 float64); a field ends at the delimiter's byte and the next starts `sep` (delimWidth)
 * bytes on. Returns the row's length with its newline, or 0 when the row is not plain (it
 * may have written some of its values by then). `four` (a constant where it is inlined):
 * nFields is 4 (the MovieLens shape) and the fields' kinds, bases and steps come from k0…t3,
 * read from desc once a call: the row is decoded unrolled, with no table lookup a field
 * (~38 against ~44 ns a row on the 4-column file: bench/README.md, "Sixth pass").
 */
@inline function decodeRow(p: usize, nFields: i32, desc: usize, delim: i32, sep: i32, index: usize, four: bool, k0: i32, b0: usize, t0: usize, k1: i32, b1: usize, t1: usize, k2: i32, b2: usize, t2: usize, k3: i32, b3: usize, t3: usize): i32 {
  const v0 = v128.load(p);
  const v1 = v128.load(p, 16);
  let lf = mask16(v0, splat(10)) | (mask16(v1, splat(10)) << 16);
  let v2 = v0;
  let v3 = v1;
  const wide = lf == 0;
  if (wide) {
    v2 = v128.load(p, 32);
    v3 = v128.load(p, 48);
    lf = (mask16(v2, splat(10)) << 32) | (mask16(v3, splat(10)) << 48);
    if (lf == 0) return 0; // a row over 64 bytes
  }
  const lfAt = <i32>ctz(lf);
  const before = (<u64>1 << lfAt) - 1;
  let delims = mask16(v0, splat(delim)) | (mask16(v1, splat(delim)) << 16);
  // With every field decoded, a quote falls in some field and fails its digit check: no
  // quote mask is needed (the MovieLens case). A skipped field may hold anything.
  const quoted = !four || k0 == 0 || k1 == 0 || k2 == 0 || k3 == 0;
  let quotes: u64 = quoted ? mask16(v0, splat(0x22)) | (mask16(v1, splat(0x22)) << 16) : 0;
  let dots = mask16(v0, splat(0x2e)) | (mask16(v1, splat(0x2e)) << 16);
  let minus = mask16(v0, splat(0x2d)) | (mask16(v1, splat(0x2d)) << 16);
  let digitBits = digitMask16(v0) | (digitMask16(v1) << 16);
  if (wide) {
    delims |= (mask16(v2, splat(delim)) << 32) | (mask16(v3, splat(delim)) << 48);
    if (quoted) quotes |= (mask16(v2, splat(0x22)) << 32) | (mask16(v3, splat(0x22)) << 48);
    dots |= (mask16(v2, splat(0x2e)) << 32) | (mask16(v3, splat(0x2e)) << 48);
    minus |= (mask16(v2, splat(0x2d)) << 32) | (mask16(v3, splat(0x2d)) << 48);
    digitBits |= (digitMask16(v2) << 32) | (digitMask16(v3) << 48);
  }
  delims &= before;
  if (sep == 2) {
    // A doubled delimiter ('::', ml-1m's and ml-10m's): every run of its byte exactly two
    // long, each counted at its first byte; a lone or tripled byte is the byte loop's row.
    const starts = delims & ~(delims << 1);
    if (delims != (starts | (starts << 1))) return 0;
    delims = starts;
  }
  // A blank line, a quote or a field count other than nFields: the JavaScript loop's case.
  if (lfAt == 0 || (lfAt == 1 && load<u8>(p) == 0x0d) || (quotes & before) != 0 || <i32>popcnt(delims) != nFields - 1) return 0;
  // Below, a decoded last field ends before a CR (CR LF line ends).
  if (four) {
    const e0 = <i32>ctz(delims);
    delims &= delims - 1;
    const e1 = <i32>ctz(delims);
    delims &= delims - 1;
    const e2 = <i32>ctz(delims);
    let e3 = lfAt;
    if (k3 != 0 && e3 > e2 + sep && load<u8>(p + e3 - 1) == 0x0d) e3--;
    if (!decodeField(p, 0, e0, k0, b0 + index * t0, minus, dots, digitBits)) return 0;
    if (!decodeField(p, e0 + sep, e1, k1, b1 + index * t1, minus, dots, digitBits)) return 0;
    if (!decodeField(p, e1 + sep, e2, k2, b2 + index * t2, minus, dots, digitBits)) return 0;
    if (!decodeField(p, e2 + sep, e3, k3, b3 + index * t3, minus, dots, digitBits)) return 0;
    return lfAt + 1;
  }
  let s = 0;
  for (let f = 0; f < nFields; f++) {
    let e = f == nFields - 1 ? lfAt : <i32>ctz(delims);
    delims &= delims - 1;
    const d = desc + (<usize>f << 4);
    const kind = load<i32>(d);
    if (kind != 0 && f == nFields - 1 && e > s && load<u8>(p + e - 1) == 0x0d) e--;
    if (!decodeField(p, s, e, kind, <usize>load<u32>(d, 4) + index * <usize>load<u32>(d, 8), minus, dots, digitBits)) return 0;
    s = e + sep;
  }
  return lfAt + 1;
}

/**
 * decode's loop; `four` (a constant at each call below) reads the four fields' table once
 * and decodes each row unrolled.
 */
@inline function decodeRows(p: usize, end: usize, nFields: i32, desc: usize, maxRows: i32, delim: i32, four: bool): i32 {
  const k0 = load<i32>(desc), b0 = <usize>load<u32>(desc, 4), t0 = <usize>load<u32>(desc, 8);
  const k1 = four ? load<i32>(desc, 16) : 0, b1 = four ? <usize>load<u32>(desc, 20) : 0, t1 = four ? <usize>load<u32>(desc, 24) : 0;
  const k2 = four ? load<i32>(desc, 32) : 0, b2 = four ? <usize>load<u32>(desc, 36) : 0, t2 = four ? <usize>load<u32>(desc, 40) : 0;
  const k3 = four ? load<i32>(desc, 48) : 0, b3 = four ? <usize>load<u32>(desc, 52) : 0, t3 = four ? <usize>load<u32>(desc, 56) : 0;
  const sep = delimWidth(delim);
  let rows = 0;
  let why = END;
  while (p < end) {
    if (rows == maxRows) {
      why = FULL;
      break;
    }
    const n = decodeRow(p, nFields, desc, delim, sep, <usize>rows, four, k0, b0, t0, k1, b1, t1, k2, b2, t2, k3, b3, t3);
    if (n == 0) {
      why = OTHER;
      break;
    }
    p += n;
    rows++;
  }
  store<i32>(0, <i32>p);
  store<i32>(4, why);
  return rows;
}

/**
 * Decodes the plain rows of [p, end) (end - 1 is a newline; 64 bytes past end are readable)
 * into columns: row r's field f at base_f + r * step_f (see decodeRow). Stops at end, after
 * maxRows rows or before the first row that is not plain. `delim`: the delimiter's byte, with
 * 2 in bits 8–15 for the byte twice (delimWidth). Returns the rows decoded; stores where it
 * stopped at byte 0 and why at byte 4.
 */
export function decode(p: usize, end: usize, nFields: i32, desc: usize, maxRows: i32, delim: i32): i32 {
  return nFields == 4 ? decodeRows(p, end, 4, desc, maxRows, delim, true) : decodeRows(p, end, nFields, desc, maxRows, delim, false);
}

/** decodeDealt's loop; `four` as in decodeRows. */
@inline function dealRows(p: usize, end: usize, nFields: i32, desc: usize, maxRows: i32, delim: i32, out: usize, width: i32, random: usize, four: bool): i32 {
  const k0 = load<i32>(desc), b0 = <usize>load<u32>(desc, 4), t0 = <usize>load<u32>(desc, 8);
  const k1 = four ? load<i32>(desc, 16) : 0, b1 = four ? <usize>load<u32>(desc, 20) : 0, t1 = four ? <usize>load<u32>(desc, 24) : 0;
  const k2 = four ? load<i32>(desc, 32) : 0, b2 = four ? <usize>load<u32>(desc, 36) : 0, t2 = four ? <usize>load<u32>(desc, 40) : 0;
  const k3 = four ? load<i32>(desc, 48) : 0, b3 = four ? <usize>load<u32>(desc, 52) : 0, t3 = four ? <usize>load<u32>(desc, 56) : 0;
  const sep = delimWidth(delim);
  loadState(random);
  const rowBytes = <usize>width << 2;
  let i = 0;
  while (p < end) {
    if (i == maxRows) return -1;
    const t = draw();
    const j = below(t, i + 1);
    // memory.copy is a call out of the kernel: a row of 4 values is one 16-byte move.
    const to = out + <usize>i * rowBytes;
    const from = out + <usize>j * rowBytes;
    if (width == 4) v128.store(to, v128.load(from));
    else if (width == 3) {
      store<u64>(to, load<u64>(from));
      store<i32>(to, load<i32>(from, 8), 8);
    } else for (let w: usize = 0; w < rowBytes; w += 4) store<i32>(to + w, load<i32>(from + w));
    const n = decodeRow(p, nFields, desc, delim, sep, <usize>j, four, k0, b0, t0, k1, b1, t1, k2, b2, t2, k3, b3, t3);
    if (n == 0) return -1;
    p += n;
    i++;
  }
  saveState(random);
  return i;
}

/**
 * The sfc32 generator of src/random.ts, its state in globals for the loop that draws (the
 * kernel runs one call at a time on a thread): loaded from four i32 at `random`, stepped by
 * draw(), handed back by saveState. One copy of the step for the deal, the labels and the
 * swap; locals would be ~8% faster in the swap's loop alone, too little to keep three copies.
 */
let sa: i32 = 0;
let sb: i32 = 0;
let sc: i32 = 0;
let sd: i32 = 0;

@inline function loadState(random: usize): void {
  sa = load<i32>(random);
  sb = load<i32>(random, 4);
  sc = load<i32>(random, 8);
  sd = load<i32>(random, 12);
}

@inline function saveState(random: usize): void {
  store<i32>(random, sa);
  store<i32>(random, sb, 4);
  store<i32>(random, sc, 8);
  store<i32>(random, sd, 12);
}

/** The generator's next 32 bits (one sfc32 step). */
@inline function draw(): i32 {
  const t = sa + sb + sd;
  sd = sd + 1;
  sa = sb ^ (sb >>> 9);
  sb = sc + (sc << 3);
  sc = rotl<i32>(sc, 21) + t;
  return t;
}

/**
 * floor(t / 2^32 * n), the draw below n, as src/random.ts computes it: with n up to 2^21 the
 * product is exact in a double, so the integer product's high half is the same number.
 */
@inline function below(t: i32, n: i32): i32 {
  return n <= 2097152 ? <i32>((<u64><u32>t * <u64>n) >> 32) : <i32>Math.floor((<f64>(<u32>t) / 4294967296.0) * <f64>n);
}

/**
 * Steps from … n - 1 of an inside-out Fisher–Yates over the n two-byte labels at p (label i
 * trades places with a random label j <= i, in order), drawing from the sfc32 state at
 * `random` (four i32, handed on) as src/random.ts does: the order shuffleInsideOut gives the
 * same labels, at about a third of its time (the block shuffle's labels, a window at a time:
 * src/shuffle/hand-out.ts). Steps [0, n) in several calls are the same shuffle as one call.
 */
export function shuffleLabels(p: usize, from: i32, n: i32, random: usize): void {
  loadState(random);
  for (let i = from; i < n; i++) {
    const t = draw();
    const at = p + (<usize>i << 1);
    const to = p + (<usize>below(t, i + 1) << 1);
    const label = load<u16>(at);
    store<u16>(at, load<u16>(to));
    store<u16>(to, label);
  }
  saveState(random);
}

/**
 * The shuffle buffer's swap for rows of `width` 4-byte values: row r (r < count) of the
 * columns at `cols` (column c at cols + c * stride) trades places with slot
 * below(draw, capacity) of the `capacity` slots of 4 * width bytes at buf, drawn as
 * src/random.ts draws (sfc32, state at `random`, handed on): what ColumnSlots.swapDrawn does
 * (swapDrawn4 in src/shuffle/width4.ts for four), in a third of its time (the slots live in a
 * kernel instance of their own: src/shuffle/kernel-swap.ts).
 */
export function swapDrawn(buf: usize, capacity: i32, cols: usize, stride: usize, count: i32, random: usize, width: i32): void {
  loadState(random);
  if (width == 4) swapDrawn4(buf, capacity, cols, stride, count);
  else swapDrawnAny(buf, capacity, cols, stride, count, width);
  saveState(random);
}

/** swapDrawn for four values a row: the slot read and written as one 16-byte vector. */
@inline function swapDrawn4(buf: usize, capacity: i32, cols: usize, stride: usize, count: i32): void {
  const c1 = cols + stride;
  const c2 = c1 + stride;
  const c3 = c2 + stride;
  for (let r = 0; r < count; r++) {
    const t = draw();
    const slot = buf + (<usize>below(t, capacity) << 4);
    const at = <usize>r << 2;
    const displaced = v128.load(slot);
    let row = i32x4.splat(load<i32>(cols + at));
    row = i32x4.replace_lane(row, 1, load<i32>(c1 + at));
    row = i32x4.replace_lane(row, 2, load<i32>(c2 + at));
    row = i32x4.replace_lane(row, 3, load<i32>(c3 + at));
    v128.store(slot, row);
    store<i32>(cols + at, i32x4.extract_lane(displaced, 0));
    store<i32>(c1 + at, i32x4.extract_lane(displaced, 1));
    store<i32>(c2 + at, i32x4.extract_lane(displaced, 2));
    store<i32>(c3 + at, i32x4.extract_lane(displaced, 3));
  }
}

/** swapDrawn for any other width, value by value. */
@inline function swapDrawnAny(buf: usize, capacity: i32, cols: usize, stride: usize, count: i32, width: i32): void {
  const rowBytes = <usize>width << 2;
  for (let r = 0; r < count; r++) {
    const t = draw();
    const slot = buf + <usize>below(t, capacity) * rowBytes;
    let col = cols + (<usize>r << 2);
    for (let c = 0; c < width; c++) {
      const at = slot + (<usize>c << 2);
      const displaced = load<i32>(at);
      store<i32>(at, load<i32>(col));
      store<i32>(col, displaced);
      col += stride;
    }
  }
}

/**
 * One output chunk of the block shuffle's interleave, for rows of `width` 4-byte values:
 * output row k (k < count) is the next row of block labels[k] (the u16s at `labels`), where
 * the rows each block gives the chunk lie in `stage` block after block (4 * width bytes a
 * row) and the i32 at `next` + 4 * b is block b's next row there (it moves on). Written as
 * `width` columns of `count` i32 from `out` (column c at out + 4 * count * c): the result of
 * interleave4 (four) or interleavePacked in src/shuffle/width4.ts, from memory this thread
 * has just read in sequence.
 */
export function interleaveRows(stage: usize, next: usize, labels: usize, count: i32, out: usize, width: i32): void {
  if (width == 4) interleave4(stage, next, labels, count, out);
  else if (width == 3) interleave3(stage, next, labels, count, out);
  else interleaveAny(stage, next, labels, count, out, width);
}

/**
 * How many of the `count` u16 labels at `labels` name each of `blocks` blocks, as i32 at
 * `counts` (counts + 4 * b for block b): the rows each block gives a chunk of the interleave.
 */
export function countLabels(labels: usize, count: i32, counts: usize, blocks: i32): void {
  memory.fill(counts, 0, <usize>blocks << 2);
  for (let k = 0; k < count; k++) {
    const at = counts + (<usize>load<u16>(labels + (<usize>k << 1)) << 2);
    store<i32>(at, load<i32>(at) + 1);
  }
}

/** The next row's index in `stage` of the block labels[k] names (its cursor moves on). */
@inline function nextRow(next: usize, labels: usize, k: i32): usize {
  const cursor = next + (<usize>load<u16>(labels + (<usize>k << 1)) << 2);
  const r = load<i32>(cursor);
  store<i32>(cursor, r + 1);
  return <usize>r;
}

/** interleaveRows for four values a row: the row read as one 16-byte vector. */
@inline function interleave4(stage: usize, next: usize, labels: usize, count: i32, out: usize): void {
  const c1 = out + (<usize>count << 2);
  const c2 = c1 + (<usize>count << 2);
  const c3 = c2 + (<usize>count << 2);
  for (let k = 0; k < count; k++) {
    const row = v128.load(stage + (nextRow(next, labels, k) << 4));
    const at = <usize>k << 2;
    store<i32>(out + at, i32x4.extract_lane(row, 0));
    store<i32>(c1 + at, i32x4.extract_lane(row, 1));
    store<i32>(c2 + at, i32x4.extract_lane(row, 2));
    store<i32>(c3 + at, i32x4.extract_lane(row, 3));
  }
}

/** interleaveRows for three values a row (userId, movieId, rating). */
@inline function interleave3(stage: usize, next: usize, labels: usize, count: i32, out: usize): void {
  const c1 = out + (<usize>count << 2);
  const c2 = c1 + (<usize>count << 2);
  for (let k = 0; k < count; k++) {
    const row = stage + nextRow(next, labels, k) * 12;
    const at = <usize>k << 2;
    store<i32>(out + at, load<i32>(row));
    store<i32>(c1 + at, load<i32>(row, 4));
    store<i32>(c2 + at, load<i32>(row, 8));
  }
}

/** interleaveRows for any other width, value by value. */
@inline function interleaveAny(stage: usize, next: usize, labels: usize, count: i32, out: usize, width: i32): void {
  const rowBytes = <usize>width << 2;
  const colBytes = <usize>count << 2;
  for (let k = 0; k < count; k++) {
    const row = stage + nextRow(next, labels, k) * rowBytes;
    let at = out + (<usize>k << 2);
    for (let c = 0; c < width; c++) {
      store<i32>(at, load<i32>(row + (<usize>c << 2)));
      at += colBytes;
    }
  }
}

/**
 * Decodes every row of [p, end) into `width` 4-byte values a row at `out`, in a uniform random
 * order as it goes: an inside-out Fisher–Yates, row i moved to a random slot j <= i, whose
 * row moves to i (desc's bases are out + 4 * slot, its steps 4 * width). The draws are
 * sfc32's, as src/random.ts makes them, from the state at `random` (four i32, handed on):
 * the order is the one BlockDealer gives the same rows. Returns the rows, or -1 when a row
 * is not plain or there are more than maxRows (the caller decodes the block its other way).
 */
export function decodeDealt(p: usize, end: usize, nFields: i32, desc: usize, maxRows: i32, delim: i32, out: usize, width: i32, random: usize): i32 {
  return nFields == 4 ? dealRows(p, end, 4, desc, maxRows, delim, out, width, random, true) : dealRows(p, end, nFields, desc, maxRows, delim, out, width, random, false);
}

/** The first free byte after the kernel's constants: the caller lays out its buffers from here. */
export function heapBase(): usize {
  return __heap_base;
}
