// Equal batch counts across shards without a coordinator. Data-parallel ranks must run the
// same number of steps, but a shard's row count is known only once its blocks are read. So
// every shard computes the same target from what all of them know: the byte length of every
// shard's blocks (the plan is a pure function) times the rows per byte of a probe of the
// data (the same bytes for all), less 2%, rounded down to whole batches. Each shard then
// hands out exactly that many rows: rows past it are dropped (counted, with their own digest,
// so that delivered + dropped still checks against the whole dataset), and a shard that
// runs short (the estimate was off by more than the margin) repeats rows it already handed
// out, counted as repeated. Never a hang; never a silent duplicate.
import { type Chunk, type ChunkIterator, chunkLength, sliceChunk } from '../chunk.js';
import { SluiceError } from '../errors.js';
import { Coverage } from './coverage.js';
import type { PlannedWindow } from './windows.js';

/** Rows each shard hands out: the smallest shard's estimate, less `margin`, in whole batches. */
export function equalTarget(shards: PlannedWindow[][], blockBytes: (block: number) => number, rowsPerByte: number, batchSize: number, margin = 0.02): number {
  const estimates = shards.map((windows) => windows.reduce((n, w) => n + w.blocks.reduce((m, b) => m + blockBytes(b), 0) * rowsPerByte - (w.skip ?? 0), 0));
  return Math.max(0, Math.floor((Math.min(...estimates) * (1 - margin)) / batchSize) * batchSize);
}

/** What one epoch of one shard handed out. */
export interface Delivery {
  delivered: number;
  coverage: Coverage;
  /** Rows read but not handed out (equal batches), and their digest. */
  dropped: Coverage;
  /** Rows handed out a second time to make up the target (equal batches). */
  repeated: number;
  /** The last chunks handed out, each with the digest before it: for a receipt at a row count a consumer reached. */
  recent: { start: number; before: Coverage; chunk: Chunk<unknown> }[];
}

/** Chunks remembered for receipts at a consumer's count: more than any prefetch holds. */
const RECENT = 64;

/**
 * The receipt of the first `consumed` rows handed out (a consumer behind a prefetch or a
 * batch has consumed fewer than the source handed out).
 */
export function receiptAt(d: Delivery, consumed: number): Coverage {
  if (consumed === d.delivered) return d.coverage;
  const at = d.recent.find((r) => r.start <= consumed && consumed < r.start + chunkLength(r.chunk));
  if (at === undefined) throw new SluiceError(`receipt(${consumed}): the source handed out ${d.delivered} rows; it remembers the last ${RECENT} chunks only`);
  const c = at.before.clone();
  if (consumed > at.start) c.add(sliceChunk(at.chunk, 0, consumed - at.start));
  return c;
}

/** Rows a short shard can repeat: it keeps this share of its target from the start of the epoch. */
const KEEP_SHARE = 0.05;

/**
 * Hands out `chunks`, counting and digesting them in `into`; with a `target`, exactly that many
 * rows (see the file comment).
 */
export async function* deliver<T>(chunks: ChunkIterator<T>, into: Delivery, target: () => number | undefined): AsyncGenerator<Chunk<T>, undefined> {
  const kept: Chunk<T>[] = [];
  let keptRows = 0;
  try {
    for (let r = await chunks.next(); r.done !== true; r = await chunks.next()) {
      const limit = target() ?? Infinity;
      let chunk = r.value;
      const room = limit - into.delivered;
      if (room < chunkLength(chunk)) {
        const n = Math.max(0, room);
        into.dropped.add(sliceChunk(chunk, n, chunkLength(chunk)));
        if (n === 0) continue;
        chunk = sliceChunk(chunk, 0, n);
      }
      into.recent.push({ start: into.delivered, before: into.coverage.clone(), chunk });
      if (into.recent.length > RECENT) into.recent.shift();
      into.delivered += chunkLength(chunk);
      into.coverage.add(chunk);
      if (limit !== Infinity && keptRows < limit * KEEP_SHARE) {
        kept.push(chunk);
        keptRows += chunkLength(chunk);
      }
      yield chunk;
    }
    const limit = target();
    if (limit === undefined || into.delivered >= limit) return undefined;
    const short = limit - into.delivered;
    if (short > keptRows) throw new SluiceError(`equal batches: this shard has ${into.delivered} rows, ${short} short of the target ${limit} (more than the ${keptRows} it kept to repeat); the data's rows per byte differ from the probe's`);
    for (const chunk of kept) {
      const n = Math.min(chunkLength(chunk), limit - into.delivered);
      if (n <= 0) break;
      into.delivered += n;
      into.repeated += n;
      yield n === chunkLength(chunk) ? chunk : sliceChunk(chunk, 0, n);
    }
  } finally {
    await chunks.return?.(undefined);
  }
  return undefined;
}
