// Text forms of a bench report: a table for the terminal, markdown for bench/README.md.
import type { BenchReport, ContenderSummary } from './harness.js';
import { spread } from './stats.js';

const median = (xs: number[]): number => spread(xs).median;

/** A rate for humans: 9.53M, 231.4k, 812. */
export function rate(x: number): string {
  if (!Number.isFinite(x)) return '–';
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(0);
}

function ratio(r: ContenderSummary): string {
  if (r.ratio === null) return '–';
  return r.ratio >= 0.1 ? `${r.ratio.toFixed(2)}×` : `1/${(1 / r.ratio).toFixed(0)}`;
}

function rowsOf(report: BenchReport): string[][] {
  return report.results.map((r) => [
    r.name + (r.complete ? '' : ' *'),
    `${rate(r.rowsPerSecond.median)} (${rate(r.rowsPerSecond.min)}–${rate(r.rowsPerSecond.max)})`,
    `${r.mbPerSecond.median.toFixed(1)} (${r.mbPerSecond.min.toFixed(1)}–${r.mbPerSecond.max.toFixed(1)})`,
    `${r.peakRssMb.median.toFixed(0)} (${r.peakRssMb.min.toFixed(0)}–${r.peakRssMb.max.toFixed(0)})`,
    `${r.cpuSeconds.median.toFixed(2)} / ${median(r.samples.map((s) => s.seconds)).toFixed(2)}`,
    ratio(r),
  ]);
}

function headers(report: BenchReport): string[] {
  return ['contender', 'rows/s median (min–max)', 'MB/s median (min–max)', 'peak RSS MB (min–max)', 'CPU s / wall s', `vs ${report.reference ?? '–'}`];
}

function footnotes(report: BenchReport): string[] {
  const notes: string[] = [];
  for (const r of report.results) if (r.note !== undefined) notes.push(`* ${r.name}: ${r.note}`);
  if (report.skipped.length > 0) notes.push(`skipped ${report.skipped.map((s) => s.name).join(', ')}: ${[...new Set(report.skipped.map((s) => s.reason))].join('; ')}`);
  return notes;
}

function heading(report: BenchReport): string {
  const m = report.machine;
  return (
    `${report.file}: ${report.rows.toLocaleString('en')} rows, ${(report.bytes / 1e6).toFixed(1)} MB` +
    // A file that is not ',' with a header line (MovieLens's u.data, ratings.dat): how it was read.
    (report.delimiter === ',' && report.names === undefined ? '; ' : ` (${JSON.stringify(report.delimiter)}${report.names === undefined ? '' : `, no header line: ${report.names.join(', ')}`}); `) +
    `shuffle ${report.shuffle}, batch ${report.batch}, ${report.runs} run${report.runs === 1 ? '' : 's'} each (alternating, one child process per run` +
    (report.warmup > 0 ? `, each timing its epoch after ${report.warmup} untimed one${report.warmup === 1 ? '' : 's'})\n` : ')\n') +
    `${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node}, ${m.platform}; ${report.date}` +
    (report.python === undefined ? '' : `\nPython peer: ${report.python}`)
  );
}

/**
 * The report as an aligned text table with its heading and notes.
 * @example
 * process.stdout.write(formatTable(report));
 */
export function formatTable(report: BenchReport): string {
  const head = headers(report);
  const rows = [head, ...rowsOf(report)];
  const widths = head.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return [heading(report), '', ...lines, ...footnotes(report)].join('\n') + '\n';
}

/**
 * The report as a markdown table (for bench/README.md), with the command that produced it.
 * @example
 * fs.writeFileSync('table.md', formatMarkdown(report, 'sluice bench f.csv --compare'));
 */
export function formatMarkdown(report: BenchReport, command: string): string {
  const head = headers(report);
  const lines = [
    heading(report).replaceAll('\n', '  \n'),
    '',
    `\`${command}\``,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map((_, c) => (c === 0 ? '---' : '---:')).join('|')}|`,
    ...rowsOf(report).map((r) => `| ${r.join(' | ')} |`),
    '',
    ...footnotes(report).map((n) => `${n.replace(/^\*/, '\\*')}  `),
  ];
  return lines.join('\n') + '\n';
}
