// Entry of one contender run: `node child.js --contender NAME --file F …` runs that contender
// once in this fresh process (after --warmup untimed epochs, 0 by default) and prints one
// marked JSON line (rows, seconds, peak RSS), so every contender's peak RSS is its own and no
// JIT state or heap carries over between runs.
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { CONTENDERS } from './contenders.js';
import { type ChildReport, type ContenderArgs, DEFAULT_COLUMNS, parseColumns, RESULT_MARKER } from './protocol.js';

/** Runs the contender named in `argv` and returns its report (exported for tests). */
export async function runChild(argv: string[]): Promise<ChildReport> {
  const { values } = parseArgs({
    args: argv,
    options: {
      contender: { type: 'string' },
      file: { type: 'string' },
      batch: { type: 'string' },
      shuffle: { type: 'string' },
      seed: { type: 'string' },
      budget: { type: 'string' },
      columns: { type: 'string' },
      cache: { type: 'string' },
      warmup: { type: 'string' },
      delimiter: { type: 'string' },
      names: { type: 'string' },
    },
    strict: true,
  });
  const name = values.contender ?? '';
  const contender = CONTENDERS[name];
  if (contender === undefined) throw new Error(`unknown contender '${name}'`);
  if (contender.kind !== 'node') throw new Error(`contender '${name}' runs in ${contender.kind}, not in a node child`);
  const args: ContenderArgs = {
    file: values.file ?? '',
    batch: Number(values.batch ?? 1024),
    shuffle: Number(values.shuffle ?? 10000),
    seed: Number(values.seed ?? 1),
    budgetS: Number(values.budget ?? 30),
    columns: values.columns === undefined ? DEFAULT_COLUMNS : parseColumns(values.columns),
    cachePath: values.cache,
    warmup: Number(values.warmup ?? 0),
    delimiter: values.delimiter,
    names: values.names?.split(','),
  };
  const run = await contender.load();
  let warmupRows = 0;
  for (let e = 0; e < args.warmup!; e++) warmupRows += (await run(args)).rows;
  const cpu = process.cpuUsage();
  const faults = process.resourceUsage().minorPageFault;
  const result = await run(args);
  const used = process.cpuUsage(cpu);
  const usage = process.resourceUsage();
  return {
    name,
    pid: process.pid,
    peakRssMb: usage.maxRSS / 1024,
    ...result,
    cpuSeconds: result.cpuSeconds ?? (used.user + used.system) / 1e6,
    pageFaults: result.pageFaults ?? usage.minorPageFault - faults,
    warmupRows,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const report = await runChild(process.argv.slice(2));
    process.stdout.write(`${RESULT_MARKER}${JSON.stringify(report)}\n`);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  }
}
