// The child script of the benches that compare built trees (dist-ab.ts, jit.ts): plain node
// (no tsx: worker threads inherit the process's flags, and would compile through it in the
// timed span), the recommended pipeline built from a tree's dist/.

import type { NumericDType } from '../../src/chunk.js';

const COLUMNS: Readonly<Record<string, NumericDType>> = { userId: 'int32', movieId: 'int32', rating: 'float32', timestamp: 'int32' };

/**
 * A child script (run with `node --input-type=module --eval SCRIPT TREE FILE EPOCHS`) that
 * builds shuffledCsv (defaults; `columns`, MovieLens's four unless given) → batch(1024) from
 * TREE's dist/, selects the cpu backend and runs `loop`, which has `batches`,
 * `batchToTensors` and `epochs` (a number) in scope.
 * @example
 * const script = builtPipelineChild('for await (const b of batches) batchToTensors(b);');
 */
export function builtPipelineChild(loop: string, columns = COLUMNS): string {
  return `
const [tree, file, epochsArg] = process.argv.slice(1);
const epochs = Number(epochsArg);
const { pathToFileURL } = await import('node:url');
const from = (p) => pathToFileURL(tree + '/dist/' + p).href;
const { shuffledCsv } = await import(from('src/csv/shuffled.js'));
const { batchToTensors, useCpu } = await import(from('cli/bench/contenders/tensors.js'));
await useCpu();
const batches = shuffledCsv(file, { columns: ${JSON.stringify(columns)}, shuffle: { seed: 1 } }).batch(1024);
${loop}
`;
}
