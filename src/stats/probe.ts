// The instrument: a ChunkSource wrapper that times each chunk pull of one stage. It sees
// chunks only (two clock reads and one promise callback per chunk, never per row), so a
// chain of probes costs well under 1% of a pipeline's time; a pipeline without stats has
// no probe at all.
import { type Chunk, type ChunkIterator, type ChunkSource, chunkLength, type OpenOptions } from '../chunk.js';
import { PassThrough } from '../pass-through.js';

/**
 * The running figures of one stage. A stage is "busy" while its consumer has a `next()`
 * outstanding on it; the part of that time during which the stage itself had a `next()`
 * outstanding on its upstream is time waiting on upstream, the rest is its own producing.
 */
export class StageCounter {
  rows = 0;
  chunks = 0;
  /** `next()` calls outstanding on this stage (normally 0 or 1). */
  open = 0;
  busyMs = 0;
  waitingUpstreamMs = 0;
  /** Sum of the buffer fill seen at each pull, and the number of pulls (for a mean). */
  fillSum = 0;
  fillSamples = 0;
  /** Epochs open on this stage. */
  epochs = 0;
  upstream: StageCounter | undefined;
  downstream: StageCounter | undefined;
  private openSince = 0;
  private pairSince = 0;

  constructor(
    readonly stage: string,
    readonly index: number,
    /** Buffer bound: chunks for prefetch, rows for shuffle. */
    readonly buffer: number | undefined,
  ) {}

  /** Brings the overlap of this stage's and its upstream's outstanding calls up to `now`. */
  settle(now: number): void {
    const up = this.upstream;
    if (up !== undefined && this.open > 0 && up.open > 0) this.waitingUpstreamMs += now - this.pairSince;
    this.pairSince = now;
  }

  begin(): void {
    const now = performance.now();
    this.touch(now);
    if (this.buffer !== undefined && this.upstream !== undefined) {
      // What the stage holds: chunks (prefetch) or rows (shuffle) in from upstream, not yet out.
      const held = this.stage === 'prefetch' ? this.upstream.chunks - this.chunks : this.upstream.rows - this.rows;
      this.fillSum += Math.max(0, Math.min(this.buffer, held));
      this.fillSamples++;
    }
    if (this.open++ === 0) this.openSince = now;
  }

  end(chunk: Chunk<unknown> | undefined): void {
    const now = performance.now();
    this.touch(now);
    if (--this.open === 0) this.busyMs += now - this.openSince;
    if (chunk !== undefined) {
      this.rows += chunkLength(chunk);
      this.chunks++;
    }
  }

  /** Busy time including a call still outstanding. */
  busyAt(now: number): number {
    return this.busyMs + (this.open > 0 ? now - this.openSince : 0);
  }

  private touch(now: number): void {
    this.settle(now);
    this.downstream?.settle(now);
  }
}

/** `source` with every epoch's pulls counted in `counter`; `onEpoch` hears opens (+1) and ends (-1). */
export function probe<T>(source: ChunkSource<T>, counter: StageCounter, onEpoch: (delta: 1 | -1) => void): ChunkSource<T> {
  // Inherits everything else the source carries (size and schema getters, csv's fingerprint for cache()).
  const probed = Object.create(source) as ChunkSource<T> & { open: ChunkSource<T>['open'] };
  Object.defineProperty(probed, 'open', {
    value: (epoch?: number, options?: OpenOptions) => {
      const it = source.open(epoch, options);
      counter.epochs++;
      onEpoch(1);
      return new Probe(it, counter, onEpoch);
    },
  });
  return probed;
}

/**
 * A pass-through: the fence (return() behind a next() in flight, done after close, the
 * signal) is the wrapped iterator's; this only reads the clock around it.
 */
class Probe<T> extends PassThrough<T> {
  constructor(
    it: ChunkIterator<T>,
    private readonly counter: StageCounter,
    private readonly onEpoch: (delta: 1 | -1) => void,
  ) {
    super(it);
  }

  protected override asking(): void {
    this.counter.begin();
  }

  protected override seen(chunk: Chunk<T> | undefined): void {
    this.counter.end(chunk);
  }

  protected override ended(): void {
    this.counter.epochs--;
    this.onEpoch(-1);
  }
}
