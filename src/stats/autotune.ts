// The autotune controller: feedback on how long the consumer waits for its next chunk.
// It decides, from measurements taken while the epoch runs, whether a faster producer (a
// loader on a worker thread, more workers, a deeper read-ahead) is worth starting, and
// when to hand over to it. Whatever it decides, the elements and their order are the same:
// the candidate starts at an agreed position of the same deterministic stream.
import os from 'node:os';
import { type Chunk, type ChunkIterator, chunkLength, sliceChunk } from '../chunk.js';
import { closeAll, FencedIterator } from '../iterator.js';

export interface AutotunePolicy {
  /**
   * Milliseconds of running (waiting + working) between two measurements, counted from the
   * first chunk on (its wait is start-up). The first measurement only starts the rate and
   * idle-core counts; decisions are made at the second and every one after, until it hands
   * over. Default 1000.
   */
  windowMs?: number;
  /**
   * Decide for the candidate only when the consumer waited at least this share of the run so
   * far. Default 0.1 (0.05 was tried: it handed over on 10M and 100k rows and lost to the
   * best hand-picked loader, bench/README.md).
   */
  minWait?: number;
  /**
   * ... and when the waiting it would save (that share of the time left after the hand-over)
   * is at least this many milliseconds: what starting the candidate costs (a worker thread
   * under tsx takes about a second, and shares the CPUs while it starts), plus the time to
   * replay what the candidate re-produces before the hand-over (the `replay` option, at
   * the measured rate). Default 2000.
   */
  minSavingMs?: number;
  /**
   * What replaying one element costs, in the time consuming one took (the `replay` option):
   * default 1, an upper bound while loading keeps up with the consumer; 0 ignores replay.
   */
  replayWeight?: number;
  /** Only start it when at least this many milliseconds of the run are left after the hand-over. Default 3000. */
  minRemainingMs?: number;
  /** Elements of lead the candidate gets to start up, in milliseconds of the measured rate. Default 1500. */
  leadMs?: number;
  /** Threads the machine can give; the candidate needs one more than the consumer. Default os.availableParallelism(). */
  cpus?: number;
  /**
   * Hand over only when at least this many cores were idle, machine-wide, on average since
   * the first measurement: a worker needs a core to run on, and on a machine busy with other work it only
   * takes time from the consumer (measured: under load the hand-over lost to the main
   * loader, bench/README.md). Default 0.5.
   */
  minIdleCpus?: number;
  /** Cores idle machine-wide since the last call (the first call starts the count). Default: from `os.cpus()` times ({@link idleCpuMeter}); tests replace it. */
  idleCpus?: () => number;
}

/** What the controller measured and decided (for reports and tests). */
export interface AutotuneReport {
  /** 'candidate' when it handed over, 'current' when it kept the first producer. */
  chose: 'current' | 'candidate';
  /** Share of the run so far (from the first chunk on) the consumer did not spend on its own work (waiting, or loading on its thread); only the waits without `consumerWork`. */
  waitFraction: number;
  /** Elements per second from the end of the first window on (what the time left is estimated from). */
  rate: number;
  /** Cores idle machine-wide, on average from the end of the first window on. */
  idleCpus: number;
  /** The position (elements from the stream's start) where the candidate took over. */
  handOver?: number;
  /** Why. */
  reason: string;
}

/**
 * A chunk iterator over `first` that measures the consumer's waits and work, and after a
 * window may open `candidate(position)` — the same stream from element `position` on — and
 * hand over to it exactly there (the current chunk is cut at the position). `total` is the
 * number of elements the stream has left from the start; `replay(at)`, when given, how many
 * elements the candidate produces and drops before `at` (a loader resumed mid-epoch replays
 * the epoch up to there), counted in the cost of handing over. Order and content never
 * depend on the decision; only who produces them does.
 * @example
 * import { HandOver, range } from 'sluice';
 * // A stream of 1000 elements; a candidate producer of the same stream from element `at` on.
 * const it = new HandOver<number>(range(1000).source.open(), (at) => range(1000).skip(at).source.open(), { total: 1000 }, (r) => console.log(r.reason));
 */
export class HandOver<T> extends FencedIterator<T> {
  private current: ChunkIterator<T>;
  private next_: ChunkIterator<T> | undefined;
  private position = 0;
  private handOverAt = Infinity;
  private waitMs = 0;
  private workMs = 0;
  private lastSettled = -1;
  /** Elements before the window opened (the first chunk: its wait is start-up, not steady state). */
  private windowStart = -1;
  private decided = false;
  /** Running time at the last measurement. */
  private lastCheck = 0;
  /**
   * From the first measurement on (the first window, start-up and code not yet optimised,
   * left out): running time and position there, and the idle cores × milliseconds since.
   */
  private span: { elapsed: number; position: number; idleCoreMs: number } | undefined;
  /** Running time (waiting + working) at which to measure next: every window until it hands over. */
  private checkAt: number;
  /** The consumer's own work, when it reports it (`consumerWork`); -1 while it has not. */
  private consumerMs = -1;
  private readonly policy: Required<Omit<AutotunePolicy, 'idleCpus'>>;
  private readonly idleCpus: () => number;

  constructor(
    first: ChunkIterator<T>,
    private readonly candidate: (position: number) => ChunkIterator<T>,
    private readonly options: { total: number; signal?: AbortSignal; replay?: (at: number) => number } & AutotunePolicy,
    private readonly onDecision?: (report: AutotuneReport) => void,
  ) {
    super(options.signal);
    this.current = first;
    this.policy = {
      windowMs: options.windowMs ?? 1000,
      minWait: options.minWait ?? 0.1,
      minSavingMs: options.minSavingMs ?? 2000,
      minRemainingMs: options.minRemainingMs ?? 3000,
      leadMs: options.leadMs ?? 1500,
      cpus: options.cpus ?? os.availableParallelism(),
      minIdleCpus: options.minIdleCpus ?? 0.5,
      replayWeight: options.replayWeight ?? 1,
    };
    this.idleCpus = options.idleCpus ?? idleCpuMeter();
    this.checkAt = this.policy.windowMs;
  }

  protected async step(): Promise<IteratorResult<Chunk<T>, undefined>> {
    const t0 = performance.now();
    if (this.lastSettled >= 0) this.workMs += t0 - this.lastSettled;
    if (!this.decided && this.position > this.windowStart && this.windowStart >= 0 && this.waitMs + this.workMs > 0 && this.waitMs + this.workMs >= this.checkAt) this.decide();
    if (this.position >= this.handOverAt && this.next_ !== undefined) await this.switchOver();
    if (this.closed) return { done: true, value: undefined };
    let r = await this.current.next();
    if (!r.done && this.position + chunkLength(r.value) > this.handOverAt) {
      // The candidate produces from the hand-over on: keep only what comes before it.
      r = { done: false, value: sliceChunk(r.value, 0, this.handOverAt - this.position) };
    }
    if (!r.done) this.position += chunkLength(r.value);
    const t1 = performance.now();
    if (this.windowStart >= 0) this.waitMs += t1 - t0;
    else this.openWindow();
    this.lastSettled = t1;
    return r;
  }

  private openWindow(): void {
    this.windowStart = this.position;
    this.idleCpus(); // counts from here
  }

  /**
   * The consumer's own compute time (e.g. a training step), reported after each piece of
   * work. With it, the share the producer costs is everything else, including work a
   * producer on this thread does between the consumer's pulls (which no wait shows).
   */
  consumerWork(ms: number): void {
    if (this.windowStart >= 0) this.consumerMs = Math.max(0, this.consumerMs) + ms;
  }

  protected async release(): Promise<void> {
    const current = this.current;
    const candidate = this.next_;
    this.next_ = undefined;
    await closeAll([() => current.return?.(), () => candidate?.return?.()]);
  }

  /**
   * At the end of every window. The share of the time the consumer did not spend on its own
   * work is measured over everything since the first chunk (loading that comes in bursts, as
   * a block shuffle decoding a whole window of the file at once, shows in a later window if
   * not in the first); the rate (for the time left) and the idle cores from the end of the
   * first window on: the first window only measures, as it runs slow (start-up, code not yet
   * optimised) and would make the run look longer than it is. Hands over when that share,
   * times the time left, outweighs starting the candidate, and a core is idle for it.
   * Keeping the current producer is provisional; handing over, or one CPU, is final.
   */
  private decide(): void {
    const elapsed = this.waitMs + this.workMs;
    const idleNow = this.idleCpus();
    const first = this.span === undefined;
    const span = (this.span ??= { elapsed, position: this.position, idleCoreMs: 0 });
    if (!first) span.idleCoreMs += idleNow * (elapsed - this.lastCheck);
    this.lastCheck = elapsed;
    this.checkAt = elapsed + this.policy.windowMs;
    const spanMs = elapsed - span.elapsed;
    const waitFraction = this.consumerMs >= 0 ? Math.max(0, 1 - this.consumerMs / elapsed) : this.waitMs / elapsed;
    // Elements per second from the end of the first window on (from the first chunk at the first measurement).
    const [counted, countedMs] = spanMs > 0 ? [this.position - span.position, spanMs] : [this.position - this.windowStart, elapsed];
    const rate = (counted / countedMs) * 1000;
    const idleCpus = spanMs > 0 ? span.idleCoreMs / spanMs : idleNow;
    const lead = Math.ceil((rate * this.policy.leadMs) / 1000);
    const at = this.position + lead;
    const remainingMs = rate > 0 ? ((this.options.total - at) / rate) * 1000 : 0;
    const report = (chose: AutotuneReport['chose'], reason: string, handOver?: number) =>
      this.onDecision?.({ chose, waitFraction, rate, idleCpus, reason, ...(handOver === undefined ? {} : { handOver }) });
    if (this.policy.cpus < 2) {
      this.decided = true;
      return report('current', `one CPU: a second thread cannot overlap`);
    }
    const waited = `the consumer waited ${pct(waitFraction)} of ${Math.round(elapsed)} ms`;
    if (first) return report('current', `${waited} in the first window (start-up: measured, not decided on)`);
    if (waitFraction < this.policy.minWait) return report('current', `${waited}: loading keeps up`);
    // A candidate that replays its epoch up to `at` before its first element (a loader
    // resumed at a position) costs that too: counted at the rate the stream is consumed,
    // an upper bound while loading keeps up (measured: a hand-over 2 s into a 10 s epoch,
    // counted at the start cost alone, lost 40% to the main loader).
    const replay = this.policy.replayWeight > 0 ? (this.options.replay?.(at) ?? 0) : 0;
    const costMs = this.policy.minSavingMs + (rate > 0 ? ((replay * this.policy.replayWeight) / rate) * 1000 : 0);
    if (remainingMs < this.policy.minRemainingMs || waitFraction * remainingMs < costMs) {
      const cost = replay > 0 ? ` (~${Math.round(costMs)} ms, replaying ${replay} elements included)` : '';
      return report('current', `${waited}, but with ~${Math.round(Math.max(0, remainingMs))} ms left after a hand-over that saves less than starting a worker costs${cost}`);
    }
    if (idleCpus < this.policy.minIdleCpus) {
      return report('current', `${waited} with ~${Math.round(remainingMs / 1000)} s left, but only ${idleCpus.toFixed(1)} of ${this.policy.cpus} cores were idle: no free core for a worker`);
    }
    this.decided = true;
    this.handOverAt = at;
    this.next_ = this.candidate(at);
    report('candidate', `${waited} with ~${Math.round(remainingMs / 1000)} s left and ${idleCpus.toFixed(1)} cores idle: handing over at element ${at}`, at);
  }

  private async switchOver(): Promise<void> {
    const old = this.current;
    this.current = this.next_!;
    this.next_ = undefined;
    this.handOverAt = Infinity;
    await old.return?.();
  }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(0)}%`;
}

/**
 * Cores idle machine-wide between two calls of the function it returns (the first call
 * counts from its creation), from the per-core times of `os.cpus()` (idle ÷ total, summed
 * over the cores; about 0.1 ms a call). Where `os.cpus()` reports nothing, Infinity.
 * @example
 * import { idleCpuMeter } from 'sluice';
 * const idle = idleCpuMeter();
 * setTimeout(() => console.log(`${idle().toFixed(1)} cores idle over the last second`), 1000);
 */
export function idleCpuMeter(): () => number {
  let last = cpuTimes();
  return () => {
    const now = cpuTimes();
    const idle = now.idle - last.idle;
    const total = now.total - last.total;
    last = now;
    if (now.cores === 0) return Infinity;
    return total > 0 ? (idle / total) * now.cores : now.cores;
  };
}

function cpuTimes(): { idle: number; total: number; cores: number } {
  let idle = 0;
  let total = 0;
  const cpus = os.cpus();
  for (const { times: t } of cpus) {
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total, cores: cpus.length };
}
