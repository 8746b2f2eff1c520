import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the done count and optional extra fields shown on the bar. */
  update(done: number, fields?: Record<string, string | number>): void;
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
    update: (done, fields) => bar.update(done, fields ?? {}),
    stop: () => bar.stop(),
  };
}
