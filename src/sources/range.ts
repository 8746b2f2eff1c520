import { Dataset } from '../dataset.js';
import { type Chunk, CHUNK_SIZE } from '../chunk.js';
import { OptionError, describe, throwIfAborted } from '../errors.js';

/** The numbers start, start+step, … below end (above it for a negative step). */
export function range(start: number, end?: number, step = 1): Dataset<number> {
  if (end === undefined) [start, end] = [0, start];
  for (const [name, v] of [['start', start], ['end', end], ['step', step]] as const) {
    if (!Number.isFinite(v)) throw new OptionError(`range: ${name} must be a finite number, got ${describe(v)}`);
  }
  if (step === 0) throw new OptionError('range: step must not be 0');
  const size = Math.max(0, Math.ceil((end - start) / step));
  return new Dataset({ size, open: (_epoch, options) => run(options?.signal) });

  async function* run(signal: AbortSignal | undefined): AsyncGenerator<Chunk<number>, undefined> {
    for (let i = 0; i < size; i += CHUNK_SIZE) {
      throwIfAborted(signal);
      const n = Math.min(CHUNK_SIZE, size - i);
      const out = new Array<number>(n);
      for (let k = 0; k < n; k++) out[k] = start + (i + k) * step;
      yield out;
    }
    return undefined;
  }
}
