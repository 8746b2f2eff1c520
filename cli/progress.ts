import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the done count and optional extra fields shown on the bar (and a new total, when it was an estimate). */
  update(done: number, fields?: Record<string, string | number>, total?: number): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  /** Total units, when known: gives a percentage and an ETA. */
  total?: number | undefined;
  /** Extra fields in the format, e.g. '{loss}'. */
  extra?: string;
  /** Values of the extra fields before the first update (else their {names} show). */
  initial?: Record<string, string | number>;
  /** Force on or off; default: on when stderr is a terminal and CI is unset. */
  enabled?: boolean;
}

/** A progress bar on stderr, or a no-op when stderr is not a terminal. */
export function progress(options: ProgressOptions): Progress {
  const enabled = options.enabled ?? (process.stderr.isTTY === true && !process.env.CI);
  if (!enabled) return { update() {}, stop() {} };
  if (options.total !== undefined && options.total <= 0) options = { ...options, total: undefined };
  const known = options.total !== undefined && options.total > 0;
  const format = known
    ? `${options.label} [{bar}] {percentage}% {value}/{total} eta {eta_formatted} ${options.extra ?? ''}`
    : `${options.label} {value} ${options.extra ?? ''}`;
  const bar = new cliProgress.SingleBar(
    { format, stream: process.stderr, hideCursor: true, clearOnComplete: false, etaBuffer: 50, fps: 10 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(known ? options.total! : 0, 0, options.initial ?? {});
  return {
    update: (done, fields, total) => {
      if (known && total !== undefined && total > 0 && total !== bar.getTotal()) bar.setTotal(total);
      bar.update(done, fields ?? {});
    },
    stop: () => bar.stop(),
  };
}

const PHASES: Readonly<Record<string, string>> = { index: 'reading ids', 'evaluate-train': 'scoring train', 'evaluate-test': 'scoring test' };

/**
 * One bar per pass (`phase`), each with rows/s and an ETA from the pass's total: hand
 * `onProgress` to a long job (trainRecommender's id pass and evaluations), `stop()` after it.
 * @example
 * const bars = phaseBars();
 * await trainRecommender(file, { onProgress: bars.onProgress });
 * bars.stop();
 */
export function phaseBars(enabled?: boolean): { onProgress: (p: { phase: string; rows: number; total: number | undefined; rowsPerSecond: number }) => void; stop: () => void } {
  let phase: string | undefined;
  let bar: Progress | undefined;
  return {
    onProgress: (p) => {
      if (p.phase !== phase) {
        bar?.stop();
        phase = p.phase;
        bar = progress({ label: PHASES[p.phase] ?? p.phase, total: p.total, extra: '{rate} rows/s', initial: { rate: 0 }, ...(enabled === undefined ? {} : { enabled }) });
      }
      bar!.update(p.rows, { rate: Math.round(p.rowsPerSecond).toLocaleString('en') }, p.total);
    },
    stop: () => {
      bar?.stop();
      bar = phase = undefined;
    },
  };
}
