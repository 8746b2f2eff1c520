// 1,000 early breaks spread over every source and lifecycle stage (test/helpers/subjects.ts:
// csv, csv over HTTP, csvParallel, shuffledCsv, arrow, parquet, lines, background,
// mapParallel, the column stages, …): reports the file descriptors (/proc/self/fd), threads
// (/proc/self/task: worker threads among them) and active handles gained (must be 0 each),
// then that the process exits by itself. The breaks run in a child process; this one
// watches it exit after its report (it is killed, and the run fails, if it has not within
// --exit-s seconds).
// Subjects take turns in blocks of --block consecutive breaks: the first of a block often
// meets a worker thread that idled out since the last turn (a cold start), the others a warm
// one; a mapParallel epoch always starts its own pool.
// Run: node --import tsx bench/early-breaks.ts [--breaks 1000] [--block 5] [--exit-s 60]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { benchFlags, intFlag } from './lib/args.js';

const CHILD = '--as-child';

if (process.argv[2] === CHILD) {
  await breaks(intFlag('breaks', process.argv[3]!), intFlag('block', process.argv[4]!));
} else {
  const flags = benchFlags({ breaks: '1000', block: '5', 'exit-s': '60' });
  await watch(intFlag('breaks', flags.breaks), intFlag('block', flags.block), intFlag('exit-s', flags['exit-s']));
}

/** The child: warm every subject, break `total` epochs (subjects in turn, `block` at a time), report what was gained. */
async function breaks(total: number, block: number): Promise<void> {
  const { resources, settledGain } = await import('../test/helpers/resources.js');
  const { makeSubjects } = await import('../test/helpers/subjects.js');
  const fixtures = await makeSubjects();
  const datasets = Object.entries(fixtures.subjects).map(([name, make]) => [name, make()] as const);
  // Warm: one epoch of each, so threads that a dataset keeps between epochs exist before counting.
  for (const [, ds] of datasets) for await (const _ of ds) break;
  const start = resources();
  const per = new Map<string, { breaks: number; wallMs: number; cpuMs: number }>();
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const [name, ds] = datasets[Math.floor(i / block) % datasets.length]!;
    const t = performance.now();
    const c = process.cpuUsage();
    let n = 0;
    for await (const _ of ds) if (++n === 2) break;
    const cpu = process.cpuUsage(c);
    const p = per.get(name) ?? { breaks: 0, wallMs: 0, cpuMs: 0 };
    per.set(name, { breaks: p.breaks + 1, wallMs: p.wallMs + performance.now() - t, cpuMs: p.cpuMs + (cpu.user + cpu.system) / 1000 });
  }
  const seconds = (performance.now() - started) / 1000;
  const gained = await settledGain(start);
  await fixtures.cleanup();
  const perSubject = Object.fromEntries([...per].map(([name, p]) => [name, `${p.breaks} breaks, ${(p.wallMs / p.breaks).toFixed(1)} ms wall / ${(p.cpuMs / p.breaks).toFixed(1)} ms CPU each`]));
  console.log(JSON.stringify({ breaks: total, block, subjects: datasets.length, seconds: Number(seconds.toFixed(1)), before: start, gained, perSubject }, null, 1));
  console.log(`REPORTED ${gained.fds} ${gained.threads} ${gained.handles}`);
  // Nothing more: the process must now exit by itself.
}

/** The parent: runs the child, relays its report, and times its exit after the report. */
async function watch(total: number, block: number, exitSeconds: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), CHILD, String(total), String(block)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let reported: { at: number; gains: number[] } | undefined;
  let killer: NodeJS.Timeout | undefined;
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    process.stdout.write(text);
    const m = /REPORTED (\d+) (\d+) (\d+)/.exec(text);
    if (m !== null && reported === undefined) {
      reported = { at: performance.now(), gains: m.slice(1).map(Number) };
      killer = setTimeout(() => child.kill('SIGKILL'), exitSeconds * 1000);
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('exit', (c, s) => r([c, s])));
  clearTimeout(killer);
  if (reported === undefined) {
    console.log(`FAIL: the child ended (code ${code}, signal ${signal}) before its report`);
    process.exitCode = 1;
    return;
  }
  const exitedBySelf = signal === null && code === 0;
  const exitMs = performance.now() - reported.at;
  const clean = reported.gains.every((g) => g === 0);
  console.log(`${total} early breaks: gained fds ${reported.gains[0]}, threads ${reported.gains[1]}, handles ${reported.gains[2]}; ` +
    (exitedBySelf ? `the process exited by itself ${exitMs.toFixed(0)} ms after its report` : `the process did NOT exit by itself within ${exitSeconds} s (killed)`));
  if (!clean || !exitedBySelf) process.exitCode = 1;
}
