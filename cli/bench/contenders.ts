// The contenders `sluice bench` knows, in report order. Each is loaded only inside its own
// child process, so a run of `byte-decode` never pays for loading TensorFlow.
import type { ContenderArgs, ContenderResult } from './protocol.js';

export type ContenderRun = (args: ContenderArgs) => Promise<ContenderResult>;

export interface Contender {
  /** One line for the report. */
  readonly description: string;
  load(): Promise<ContenderRun>;
}

/** Name → contender. The reference for every ratio is `sluice-fast`. */
export const CONTENDERS: Readonly<Record<string, Contender>> = {
  'byte-decode': {
    description: 'bare byte loop decoding the numeric columns into typed arrays, nothing else (the ceiling)',
    load: async () => (await import('./plain-contenders.js')).byteDecode,
  },
  'sluice-fast': {
    description: "sluice csv(engine: 'fast') → shuffle → batch → tensors",
    load: async () => (await import('./contenders/sluice.js')).sluiceFast,
  },
  'sluice-stats': {
    description: "sluice-fast with per-stage statistics on (withStats): their cost",
    load: async () => (await import('./contenders/sluice.js')).sluiceStats,
  },
  'sluice-general': {
    description: "sluice csv(engine: 'general') → shuffle → batch → tensors",
    load: async () => (await import('./contenders/sluice.js')).sluiceGeneral,
  },
  'sluice-cache': {
    description: 'sluice Arrow cache epoch → shuffle → batch → tensors (cache written before timing)',
    load: async () => (await import('./contenders/sluice.js')).sluiceCache,
  },
  'fast-csv': {
    description: "fast-csv's bare parse with headers, no pipeline",
    load: async () => (await import('./plain-contenders.js')).fastCsvParse,
  },
  'tfjs-data': {
    description: "tf.data.csv('file://…') → shuffle → batch (tensors), cpu backend",
    load: async () => (await import('./contenders/tfjs-data.js')).tfjsData,
  },
};

/** The contender every ratio is taken against. */
export const REFERENCE = 'sluice-fast';
