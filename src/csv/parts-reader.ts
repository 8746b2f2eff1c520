// Byte ranges of a dataset of CSV files laid end to end (each file's data bytes after its
// header), read from the files they fall in, local or remote. Built from plain data (the
// parts and the store's options), so a csv worker builds the same reader as this thread.
import { open } from 'node:fs/promises';
import type { Chunk } from '../chunk.js';
import type { FileIdentity } from '../io/file.js';
import { objectStore, type ObjectStore, type ObjectStoreOptions } from '../io/object-store.js';
import { isRemote, type PositionedReader, RemoteObject } from '../io/remote.js';
import type { RangeReader } from '../shuffle/claims.js';
import type { CsvOptions, CsvRecord } from './reader.js';
import { CsvRanges } from './ranges.js';

/** One file of the dataset, as plain data (it crosses to workers). */
export interface PartWire {
  name: string;
  /** First byte after the header. */
  start: number;
  size: number;
  /** Offset of its first data byte in the dataset's byte space. */
  offset: number;
  /** The ETag pinned for this epoch (objects only). */
  etag?: string;
  /** The file's device, inode, size and mtime at the epoch's start (local files only), checked at every read. */
  identity?: FileIdentity;
}

/** Opens a part: a file handle, or the pinned object's positioned reader. */
export function openPart(part: PartWire, store: ObjectStoreOptions): () => Promise<PositionedReader> {
  if (!isRemote(part.name)) return () => open(part.name, 'r');
  const object = new RemoteObject(part.name, objectStore(store));
  const pinned = part.etag === undefined ? object.stat() : object.stat({ size: part.size, etag: part.etag });
  return async () => (await pinned, object.positioned());
}

/**
 * Byte ranges of the dataset's byte space, read from the files they fall in. Remote blocks
 * are requests: as many are kept in flight as the store allows, and little is read past a
 * block's end.
 * @example
 * const reader = new PartsReader([{ name: 'a.csv', start: 7, size: 1007, offset: 0 }], { columns, header: ['id', 'x'] }, {}, 1 << 20);
 * const chunks = await reader.read(0, 500);
 * await reader.close();
 */
export class PartsReader implements RangeReader<CsvRecord> {
  private readonly readers = new Map<PartWire, CsvRanges>();
  private readonly slack: number | undefined;
  private readonly remote: boolean;
  /** Whether the last read sent requests (false: its blocks came from the block cache). */
  private fetching = true;

  constructor(
    readonly parts: readonly PartWire[],
    private readonly options: CsvOptions,
    private readonly store: ObjectStoreOptions,
    blockBytes: number,
  ) {
    this.remote = parts.some((p) => isRemote(p.name));
    this.slack = this.remote ? Math.min(16 << 10, Math.max(512, blockBytes >> 4)) : undefined;
  }

  /** Requests sent, retried and bytes received by its store (shared by every reader with the same store options). */
  get counters(): ObjectStore['counters'] {
    return objectStore(this.store).counters;
  }

  /**
   * Blocks read at once: while they come over the network, as many as the store lets
   * requests fly; from local files or the block cache, 3 (more only holds more buffers:
   * a warm epoch took about 8% longer with 8).
   */
  get readAhead(): number {
    return this.remote && this.fetching ? objectStore(this.store).limiter.limit : 3;
  }

  async read(start: number, end: number): Promise<Chunk<CsvRecord>[]> {
    const counters = this.remote ? objectStore(this.store).counters : undefined;
    const requests = counters?.requests;
    const out: Chunk<CsvRecord>[] = [];
    for (const part of this.parts) {
      const length = part.size - part.start;
      const s = Math.max(start, part.offset);
      const e = Math.min(end, part.offset + length);
      if (s >= e) continue;
      let reader = this.readers.get(part);
      if (reader === undefined) {
        const options = part.identity === undefined ? this.options : { ...this.options, identity: part.identity };
        this.readers.set(part, (reader = new CsvRanges(part.name, options, openPart(part, this.store), this.slack)));
      }
      out.push(...(await reader.read(part.start + s - part.offset, part.start + e - part.offset)));
    }
    if (counters !== undefined) this.fetching = counters.requests !== requests;
    return out;
  }

  /** Bad rows skipped under onBadRow 'skip', in every file read so far. */
  get skipped(): number {
    let n = 0;
    for (const r of this.readers.values()) n += r.skipped;
    return n;
  }

  recycle(chunks: Chunk<CsvRecord>[]): void {
    this.readers.values().next().value?.recycle(chunks);
  }

  async close(): Promise<void> {
    await Promise.all([...this.readers.values()].map((r) => r.close()));
  }
}
