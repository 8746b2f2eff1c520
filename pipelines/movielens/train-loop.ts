// The epoch loop of trainRecommender: Adam steps on the loader's batches, the held-out RMSE
// after every epoch, checkpoints, early stopping, and the figures the result reports.
import type { ColumnBatch, EpochState } from '../../src/index.js';
import { type BiasedMF, SluiceError } from '../../src/index.js';
import type { LoaderRun } from './auto-loader.js';
import type { Example, ExampleColumns } from './examples.js';

/** Training diverged: the loss became NaN or infinite. */
export class DivergedError extends SluiceError {
  override name = 'DivergedError';
}

/** What the loop needs besides the model and the loader. */
export interface LoopSetup {
  model: BiasedMF;
  loader: LoaderRun;
  from: EpochState;
  /** Batches in an epoch. */
  batches: number;
  epochs: number;
  lr: number;
  decay: number;
  earlyStop: number;
  checkpointEvery: number;
  /** The held-out RMSE of the model as it is now. */
  heldOut: () => Promise<number>;
  save: (cursor: EpochState) => void;
  onBatch?: ((info: { epoch: number; batch: number; batches: number; loss: number; meanLoss: number; seconds: number }) => void) | undefined;
  onEpoch?: ((info: { epoch: number; loss: number; testRmse: number; seconds: number }) => void) | undefined;
}

/** What the loop measured. */
export interface LoopResult {
  seconds: number;
  /** Wall time spent waiting for the loader's next batches. */
  waitedSeconds: number;
  trained: number;
  trainedRows: number;
  peakRss: number;
  epochTestRmse: number[];
  epochLoss: number[];
  stoppedAfter: number | null;
}

/**
 * Trains from `setup.from` to the end of epoch `epochs - 1` (or an early stop). All epochs
 * arrive as one stream, so the loader fills the next epoch's shuffle while this thread
 * trains the end of the current one. Every epoch has exactly `batches` batches, so
 * (epoch, b) is the EpochCursor state of the batches trained so far.
 */
export async function trainEpochs(setup: LoopSetup): Promise<LoopResult> {
  const loop = new EpochLoop(setup);
  const it = setup.loader.iterator;
  const started = performance.now();
  try {
    while (loop.stoppedAfter === null) {
      const t0 = performance.now();
      const r = await it.next();
      loop.waited += performance.now() - t0;
      if (r.done) break;
      for (const batch of r.value as readonly ColumnBatch<Example, ExampleColumns>[]) {
        // Everything the step does is the consumer's own work, for 'auto': the training
        // step, callbacks, checkpoints, the held-out evaluation after an epoch. Loading done
        // on this thread runs between steps (at the awaits), outside this measure.
        const stepStart = performance.now();
        const stop = await loop.step(batch);
        setup.loader.trained(performance.now() - stepStart);
        if (stop) break;
      }
    }
  } finally {
    await it.return?.();
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    waitedSeconds: loop.waited / 1000,
    trained: loop.trained,
    trainedRows: loop.trainedRows,
    peakRss: Math.max(loop.peakRss, process.memoryUsage.rss()),
    epochTestRmse: loop.epochTestRmse,
    epochLoss: loop.epochLoss,
    stoppedAfter: loop.stoppedAfter,
  };
}

/** The loop's state: where it stands, the epoch's running loss, the early-stop count. */
class EpochLoop {
  epoch: number;
  b: number;
  trained = 0;
  trainedRows = 0;
  waited = 0;
  peakRss = process.memoryUsage.rss();
  readonly epochTestRmse: number[] = [];
  readonly epochLoss: number[] = [];
  stoppedAfter: number | null = null;
  private sq = 0;
  private n = 0;
  private epochStart = performance.now();
  private best = Infinity;
  private sinceBest = 0;

  constructor(private readonly s: LoopSetup) {
    this.epoch = s.from.epoch;
    this.b = s.from.position;
    s.model.learningRate = s.lr * s.decay ** this.epoch;
  }

  /** One Adam step; true when the run stops early after it. */
  async step(batch: ColumnBatch<Example, ExampleColumns>): Promise<boolean> {
    const { model } = this.s;
    const cols = batch.columns;
    const loss = model.trainStep(cols.user, cols.item, cols.rating);
    if (!Number.isFinite(loss)) {
      throw new DivergedError(
        `training diverged: the loss became ${loss} at epoch ${this.epoch + 1}, batch ${this.b + 1} (learning rate ${model.learningRate.toPrecision(3)}). ` +
          `Lower --lr (e.g. ${(this.s.lr / 4).toPrecision(2)}) or raise --l2 and run again`,
      );
    }
    this.sq += loss * batch.size;
    this.n += batch.size;
    this.b++;
    this.trained++;
    this.trainedRows += batch.size;
    this.s.onBatch?.({ epoch: this.epoch, batch: this.b, batches: this.s.batches, loss, meanLoss: this.sq / this.n, seconds: (performance.now() - this.epochStart) / 1000 });
    if ((this.b & 63) === 0) this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
    if (this.b === this.s.batches) return this.endEpoch();
    if (this.b % this.s.checkpointEvery === 0) this.s.save({ epoch: this.epoch, position: this.b });
    return false;
  }

  /** The held-out RMSE, the epoch's figures, the checkpoint, the early-stop decision. */
  private async endEpoch(): Promise<boolean> {
    const s = this.s;
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
    const seconds = (performance.now() - this.epochStart) / 1000;
    const held = await s.heldOut();
    const loss = this.sq / Math.max(1, this.n);
    this.epochTestRmse.push(held);
    this.epochLoss.push(loss);
    s.onEpoch?.({ epoch: this.epoch, loss, testRmse: held, seconds });
    this.epoch++;
    this.b = this.sq = this.n = 0;
    this.epochStart = performance.now();
    s.model.learningRate = s.lr * s.decay ** this.epoch;
    s.save({ epoch: this.epoch, position: 0 });
    if (held < this.best - 1e-6) [this.best, this.sinceBest] = [held, 0];
    else if (s.earlyStop > 0 && ++this.sinceBest >= s.earlyStop && this.epoch < s.epochs) this.stoppedAfter = this.epoch;
    return this.stoppedAfter !== null;
  }
}
