// What a benchmark contender is given and reports (the `sluice bench` harness in cli/bench
// runs each contender in a child process and reads this back).
import type { NumericDType } from '../../../src/chunk.js';

/** The settings every contender runs with (same file, same pipeline shape). */
export interface ContenderArgs {
  readonly file: string;
  readonly batch: number;
  readonly shuffle: number;
  readonly seed: number;
  /** Seconds of pipeline time after which a contender stops and reports a prefix. */
  readonly budgetS: number;
  /** Numeric columns to decode, by header name. */
  readonly columns: Readonly<Record<string, NumericDType>>;
  /** The file's field separator (default ','; MovieLens's ml-1m and ml-10m use '::', ml-100k a tab). */
  readonly delimiter?: string | undefined;
  /** The columns' names when the file has no header line (its first line is a row); undefined: the first line names them. */
  readonly names?: readonly string[] | undefined;
  /** Where `sluice-cache` keeps its Arrow cache. */
  readonly cachePath?: string | undefined;
  /**
   * Untimed epochs the child runs first, in the same process and on the same pipeline
   * object where the contender keeps one (default 0: the timed epoch is the process's first).
   */
  readonly warmup?: number | undefined;
}

/** What one contender run measured, inside its own process. */
export interface ContenderResult {
  /** Rows that reached the end of the pipeline. */
  readonly rows: number;
  /** Wall time of the pipeline, from opening the file to the last batch (module loading excluded). */
  readonly seconds: number;
  /** False when the time budget stopped it before the end of the file. */
  readonly complete: boolean;
  readonly note?: string | undefined;
  /** CPU seconds of the timed span, where the contender measures them itself (else the child measures the whole run, set-up included). */
  readonly cpuSeconds?: number | undefined;
  /** Minor page faults of the timed span (every thread): pages of fresh memory touched, where the contender counts them itself (else the child counts the whole run). */
  readonly pageFaults?: number | undefined;
}

