// Single-bit flips of a file cache's end (trailer, footer, length, magic), each checked
// with isValidCache under a time bound: the outcomes counted. Shared by the fast sample
// (integrity.test.ts) and the exhaustive run (footer-flips.slow.test.ts).
import fs from 'node:fs';
import { isValidCache } from '../../src/stages/cache.js';
import { TRAILER_BYTES } from '../../src/cache/writer.js';

export interface FlipOutcomes {
  invalid: number;
  /** Judged valid: allowed only when the file still reads as the original (never seen). */
  valid: number;
  threw: number;
  hung: number;
  /** Largest growth of the heap during one check, bytes. */
  heapGrowth: number;
}

/** Byte offsets of the trailer, footer and tail of a cache file: where a flip is never hashed by the body digest. */
export function endRegion(bytes: Buffer): number[] {
  const footer = bytes.readInt32LE(bytes.length - 10);
  const from = bytes.length - 10 - footer - TRAILER_BYTES;
  return Array.from({ length: bytes.length - from }, (_, i) => from + i);
}

/** Flips each listed bit (byte offset × 8 + bit) of `good` in turn, writes it to `file` and checks it. */
export async function flipOutcomes(file: string, good: Buffer, fingerprint: string, bits: readonly number[], boundMs = 5000): Promise<FlipOutcomes> {
  const out: FlipOutcomes = { invalid: 0, valid: 0, threw: 0, hung: 0, heapGrowth: 0 };
  for (const bit of bits) {
    const bad = Buffer.from(good);
    bad[bit >> 3] = bad[bit >> 3]! ^ (1 << (bit & 7));
    // A fresh name each time: isValidCache remembers files it checked (by path and stat stamp).
    const path = `${file}.${bit}`;
    fs.writeFileSync(path, bad);
    const heap = process.memoryUsage().heapUsed;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), boundMs)));
    const result = await Promise.race([isValidCache(path, fingerprint).then((ok) => (ok ? 'valid' : 'invalid')), bound]).catch(() => 'threw' as const);
    clearTimeout(timer);
    out.heapGrowth = Math.max(out.heapGrowth, process.memoryUsage().heapUsed - heap);
    out[result]++;
    fs.rmSync(path);
  }
  return out;
}
