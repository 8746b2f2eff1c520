// A cursor over a chunk iterator: the current chunk and a position in it, for stages that
// take elements from a source a few at a time rather than a chunk at a time (zip pairs two
// sources whose chunks do not line up; interleave takes blockLength elements per turn).
import { type Chunk, type ChunkIterator, chunkLength, sliceChunk } from './chunk.js';

/**
 * The rest of a chunk iterator's current chunk, taken piece by piece. With `readAhead` it
 * keeps one `next()` in flight, asked for as soon as the previous chunk arrives, so the I/O
 * of several cursors overlaps (at most one chunk ahead each). `close()` returns the iterator
 * unless it has ended, once.
 * @example
 * const cursor = new ChunkCursor(ds.source.open());
 * const firstTen = await cursor.take(10); // up to 10 elements, or undefined at the end
 * await cursor.close();
 */
export class ChunkCursor<T> {
  private chunk: Chunk<T> | undefined;
  private at = 0;
  private length = 0;
  private done = false;
  private ahead: Promise<IteratorResult<Chunk<T>, undefined>> | undefined;

  constructor(
    private readonly it: ChunkIterator<T>,
    private readonly readAhead = false,
  ) {
    if (readAhead) this.askAhead();
  }

  /** Elements left in the current chunk. */
  get available(): number {
    return this.length - this.at;
  }

  /** Waits for the next chunk if the current one is used up: true when elements are available, false at the end. */
  async fill(): Promise<boolean> {
    while (this.at >= this.length) {
      if (this.done) return false;
      const r = await (this.ahead ?? this.it.next());
      this.ahead = undefined;
      if (r.done) {
        this.done = true;
        return false;
      }
      [this.chunk, this.at, this.length] = [r.value, 0, chunkLength(r.value)];
      if (this.readAhead) this.askAhead();
    }
    return true;
  }

  /**
   * Up to `n` next elements (the chunk itself when it is taken whole, else a view of a
   * columnar chunk or a slice of an array), or undefined at the end of the epoch.
   */
  async take(n: number): Promise<Chunk<T> | undefined> {
    if (!(await this.fill())) return undefined;
    const end = Math.min(this.at + n, this.length);
    const part = this.at === 0 && end === this.length ? this.chunk! : sliceChunk(this.chunk!, this.at, end);
    this.at = end;
    return part;
  }

  /** Returns the iterator (once; not when it has ended). */
  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.it.return?.();
    }
  }

  private askAhead(): void {
    this.ahead = this.it.next();
    // Marked handled: a failed read is rethrown when fill() awaits it, not reported unhandled.
    this.ahead.catch(() => {});
  }
}
