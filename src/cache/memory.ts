import { keepBatches } from '../buffer-pool.js';
import { allocColumn, type Chunk, CHUNK_SIZE, type ChunkSource, ColumnChunk, dtypeOf, epochOf, type NumericArray, type OpenOptions } from '../chunk.js';

/** Rows per stored block: replayed chunks are views smaller than a block, never a whole buffer. */
const BLOCK_ROWS = CHUNK_SIZE * 16;

/**
 * The in-memory cache behind `cache()`: the first complete epoch is kept, later epochs
 * replay it. Columnar rows are packed into blocks and replayed as views of CHUNK_SIZE
 * rows: a view never spans its whole buffer, so a downstream mapParallel copies it
 * instead of moving (and emptying) the cache. An epoch left early is not kept. Past
 * `maxBytes` the cache gives up (with a process warning) and every epoch reads the upstream.
 */
export function memoryCache<T>(source: ChunkSource<T>, maxBytes: number): ChunkSource<T> {
  let stored: Chunk<T>[] | undefined;
  let tooBig = false;
  return {
    size: source.size,
    schema: source.schema,
    open: (epoch, options) => (stored !== undefined ? replay(stored) : record(epoch, options)),
  };

  async function* replay(chunks: readonly Chunk<T>[]): AsyncGenerator<Chunk<T>, undefined> {
    yield* chunks;
    return undefined;
  }

  async function* record(epoch: number | undefined, options: OpenOptions | undefined): AsyncGenerator<Chunk<T>, undefined> {
    const store = tooBig ? undefined : new Store<T>(maxBytes);
    for await (const chunk of epochOf(source, epoch, options)) {
      if (store !== undefined && !store.full) store.add(chunk);
      yield chunk;
    }
    if (store === undefined) return undefined;
    if (store.full) {
      tooBig = true;
      process.emitWarning(`sluice cache(): one epoch is larger than maxBytes (${maxBytes}); reading the upstream every epoch`);
    } else {
      stored = store.chunks();
    }
    return undefined;
  }
}

class Store<T> {
  private readonly out: Chunk<T>[] = [];
  private block: Record<string, NumericArray> | undefined;
  private filled = 0;
  private bytes = 0;
  full = false;

  constructor(private readonly maxBytes: number) {}

  add(chunk: Chunk<T>): void {
    if (chunk instanceof ColumnChunk) return this.addColumns(chunk);
    this.closeBlock();
    this.bytes += chunk.length * 64;
    // Arrays are kept as they are: stages never write to a chunk after yielding it. Batches
    // among them are kept from release (ColumnBatch.release), which would empty them.
    keepBatches(chunk);
    this.out.push(chunk);
    this.full = this.bytes > this.maxBytes;
  }

  chunks(): Chunk<T>[] {
    this.closeBlock();
    return this.out;
  }

  private addColumns(chunk: ColumnChunk<T>): void {
    const names = Object.keys(chunk.columns);
    for (let i = 0; i < chunk.size; ) {
      if (this.block !== undefined && !sameShape(this.block, chunk)) this.closeBlock();
      if (this.block === undefined) {
        this.block = {};
        for (const name of names) {
          this.block[name] = allocColumn(dtypeOf(chunk.columns[name]!), BLOCK_ROWS);
          this.bytes += this.block[name].byteLength;
        }
        this.filled = 0;
        if (this.bytes > this.maxBytes) {
          this.full = true;
          return;
        }
      }
      const take = Math.min(BLOCK_ROWS - this.filled, chunk.size - i);
      for (const name of names) this.block[name]!.set(chunk.columns[name]!.subarray(i, i + take), this.filled);
      this.filled += take;
      i += take;
      if (this.filled === BLOCK_ROWS) this.closeBlock();
    }
  }

  /** Cuts the block into CHUNK_SIZE views (each less than the block, so never "whole buffer"). */
  private closeBlock(): void {
    const block = this.block;
    if (block === undefined) return;
    this.block = undefined;
    for (let s = 0; s < this.filled; s += CHUNK_SIZE) {
      const e = Math.min(this.filled, s + CHUNK_SIZE);
      const cols: Record<string, NumericArray> = {};
      for (const name in block) cols[name] = block[name]!.subarray(s, e);
      this.out.push(new ColumnChunk<T>(e - s, cols));
    }
    this.filled = 0;
  }
}

function sameShape(block: Record<string, NumericArray>, chunk: ColumnChunk<unknown>): boolean {
  const names = Object.keys(chunk.columns);
  if (names.length !== Object.keys(block).length) return false;
  for (const n of names) if (block[n] === undefined || dtypeOf(block[n]) !== dtypeOf(chunk.columns[n]!)) return false;
  return true;
}
