// The contenders `sluice bench` knows, in report order. Each is loaded only inside its own
// child process, so a run of `byte-decode` never pays for loading TensorFlow.
import type { PythonMode } from './contenders/pytorch.js';
import type { ContenderArgs, ContenderResult } from './protocol.js';

export type ContenderRun = (args: ContenderArgs) => Promise<ContenderResult>;

/**
 * A node contender runs in a node child (child.ts loads it); a python one is the Python peer,
 * run by the interpreter `--python` names (contenders/pytorch.ts), and skipped with a note
 * where that interpreter lacks pandas or torch.
 */
export type Contender =
  | {
      readonly kind: 'node';
      /** One line for the report. */
      readonly description: string;
      load(): Promise<ContenderRun>;
      /** The library it times splits fields on one character only: a file of '::' skips it, with a note. */
      readonly oneCharDelimiter?: true;
    }
  | { readonly kind: 'python'; readonly description: string; readonly mode: PythonMode };

/** Name → contender, in report order. */
export const CONTENDERS: Readonly<Record<string, Contender>> = {
  'byte-decode': {
    kind: 'node',
    description: 'bare byte loop decoding the numeric columns into typed arrays, nothing else (the ceiling)',
    load: async () => (await import('./plain-contenders.js')).byteDecode,
  },
  'sluice-fast': {
    kind: 'node',
    description: "sluice csv(engine: 'fast') → shuffle → batch → tensors",
    load: async () => (await import('./contenders/sluice.js')).sluiceFast,
  },
  'sluice-block': {
    kind: 'node',
    description: 'sluice shuffledCsv (block shuffle, defaults: 1 worker) → batch → tensors: the recommended training pipeline',
    load: async () => (await import('./contenders/sluice.js')).sluiceBlock,
  },
  'sluice-parallel': {
    kind: 'node',
    description: 'sluice csvParallel (2 workers) → shuffle → batch → tensors',
    load: async () => (await import('./contenders/sluice.js')).sluiceParallel,
  },
  'sluice-stats': {
    kind: 'node',
    description: 'sluice-fast with per-stage statistics on (withStats): their cost',
    load: async () => (await import('./contenders/sluice.js')).sluiceStats,
  },
  'sluice-general': {
    kind: 'node',
    description: "sluice csv(engine: 'general') → shuffle → batch → tensors",
    load: async () => (await import('./contenders/sluice.js')).sluiceGeneral,
  },
  'sluice-cache': {
    kind: 'node',
    description: 'sluice Arrow cache epoch → shuffle → batch → tensors (cache written before timing)',
    load: async () => (await import('./contenders/sluice.js')).sluiceCache,
  },
  'fast-csv': {
    kind: 'node',
    description: "fast-csv's bare parse with headers, no pipeline",
    load: async () => (await import('./plain-contenders.js')).fastCsvParse,
    oneCharDelimiter: true,
  },
  'tfjs-data': {
    kind: 'node',
    description: "tf.data.csv('file://…') → shuffle → batch (tensors), cpu backend",
    load: async () => (await import('./contenders/tfjs-data.js')).tfjsData,
    oneCharDelimiter: true,
  },
  'pytorch-stream': {
    kind: 'python',
    description: 'Python peer: pandas C-engine chunks of 65,536 → numpy shuffle buffer → torch.from_numpy batches',
    mode: 'stream',
  },
  'pytorch-dataloader': {
    kind: 'python',
    description: 'Python peer: pd.read_csv → DataLoader(TensorDataset(…), batch_size, shuffle=True)',
    mode: 'dataloader',
  },
};

/** The contender ratios are taken against unless `--reference` names another. */
export const REFERENCE = 'sluice-fast';
