// Progress of the long passes of a training run that are not training: the id pass over
// the file and the evaluations. Chunk-granular taps (src/stats/progress.ts).
import { statSync } from 'node:fs';
import { type Dataset, isUrl, withProgress } from '../../src/index.js';

/** What `trainRecommender`'s `onProgress` hears: the pass, rows so far, the total when known, rows/s and ETA. */
export interface PhaseProgress {
  phase: 'index' | 'evaluate-train' | 'evaluate-test';
  rows: number;
  /** Rows of the pass: known for evaluations; for the id pass, estimated from the bytes read. */
  total: number | undefined;
  rowsPerSecond: number;
  etaSeconds: number | undefined;
}

/**
 * `ds` reporting its pass to `onProgress` (or `ds` itself when there is none). `total` rows
 * when known; otherwise, for a csv over a local file, estimated from the bytes read so far.
 * @example
 * const index = await indexRatings(phaseProgress(readRatings(file, format), 'index', undefined, file, (p) => bar.update(p.rows)));
 */
export function phaseProgress<T, C>(ds: Dataset<T, C>, phase: PhaseProgress['phase'], total: number | undefined, file: string | undefined, onProgress: ((p: PhaseProgress) => void) | undefined): Dataset<T, C> {
  if (onProgress === undefined) return ds;
  const csvStats = (ds as { stats?: { bytes?: unknown } }).stats;
  const fileBytes = total === undefined && file !== undefined && !isUrl(file) && !file.endsWith('.gz') ? statSync(file).size : undefined;
  return withProgress(ds, (p) => {
    let t = total ?? p.total;
    if (t === undefined && fileBytes !== undefined && typeof csvStats?.bytes === 'number' && csvStats.bytes > 0) t = Math.max(p.rows, Math.round((p.rows * fileBytes) / csvStats.bytes));
    onProgress({ phase, rows: p.rows, total: t, rowsPerSecond: p.rowsPerSecond, etaSeconds: t === undefined ? undefined : Math.max(0, t - p.rows) / p.rowsPerSecond });
  });
}
