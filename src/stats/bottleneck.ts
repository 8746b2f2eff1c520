import type { Bottleneck, StageStats } from './model.js';

/** Below this share of waiting, the consumer (training) is the bottleneck rather than loading. */
export const IDLE_BOTTLENECK = 0.5;

/**
 * Names the stage that limits a pipeline from its stage figures: when the consumer waits on
 * the pipeline less than half the time, the consumer; otherwise the stage whose own producing
 * time is the largest, charged with its share of the consumer's waiting.
 * @example
 * const b = findBottleneck(withStats(ds).stats().stages);
 * console.log(b.line); // "the consumer waits on `map` 81% of the time: …"
 */
export function findBottleneck(stages: readonly StageStats[], workers: Readonly<Record<string, number>> = {}): Bottleneck {
  const last = stages[stages.length - 1];
  if (last === undefined || last.chunks === 0) return { stage: 'none', fraction: 0, advice: 'nothing has run yet', line: 'no statistics yet: nothing has run' };
  const wait = last.producing + last.waitingUpstream;
  if (1 - wait >= IDLE_BOTTLENECK) {
    const fraction = 1 - wait;
    const advice = 'the consumer (training) is the bottleneck, loading is not';
    return { stage: 'consumer', fraction, advice, line: `the pipeline is idle ${percent(fraction)} of the time: ${advice}` };
  }
  let top = stages[0]!;
  let sum = 0;
  for (const s of stages) {
    sum += s.producing;
    if (s.producing > top.producing) top = s;
  }
  const fraction = sum > 0 ? (wait * top.producing) / sum : wait;
  const advice = adviceFor(top, stages, workers);
  return { stage: top.stage, fraction, advice, line: `the consumer waits on \`${top.stage}\` ${percent(fraction)} of the time: ${advice}` };
}

function adviceFor(s: StageStats, stages: readonly StageStats[], workers: Readonly<Record<string, number>>): string {
  const prefetched = stages.some((x) => x.stage === 'prefetch' || x.stage === 'background');
  switch (s.stage) {
    case 'csv':
      return s.engine === 'general'
        ? 'the general engine runs: declare numeric `columns` (and no string column) so the fast engine decodes'
        : 'decode on more threads: `csvParallel(file, { workers: 2 })`, or `shuffledCsv` (decodes on a worker)';
    case 'csvParallel':
    case 'shuffledCsv':
      return `use \`workers: ${(workers[s.stage] ?? s.workers?.count ?? 1) + 1}\` (or 'auto'), or cache the decoded rows (\`.cache(path)\`)`;
    case 'map':
    case 'filter':
    case 'flatMap':
      return `a per-row \`${s.stage}\` is the slow path: move it to \`mapParallel(fn, { concurrency: 'auto' })\` or work on columns`;
    case 'mapParallel':
      return "raise `concurrency` (or `concurrency: 'auto'`)";
    case 'shuffle':
      return 'a smaller shuffle buffer, or the block shuffle (`shuffledCsv`) which shuffles while it reads';
    case 'loader':
      return "load on a worker thread (`--loader worker`, or 'auto' to decide from this wait)";
    case 'background':
      return "the worker's pipeline is the bottleneck: profile that module (`sluice profile MODULE`)";
    case 'prefetch':
      return "a deeper prefetch (`prefetch('auto')`)";
    default:
      return prefetched ? `make \`${s.stage}\` faster or cache its output (\`.cache(path)\`)` : `overlap it with the consumer: \`.prefetch('auto')\`, or cache its output (\`.cache(path)\`)`;
  }
}

function percent(x: number): string {
  return `${Math.round(x * 100)}%`;
}
