// The bar chart of a bench report: a vega-lite spec compiled to vega and rendered to SVG
// headless (vega's View with renderer 'none' needs no canvas or browser).
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { BenchReport } from './harness.js';
import { rate } from './report.js';

/**
 * The vega-lite spec of a bar chart of median rows/s per contender, with min–max whiskers
 * and the median written at the end of each bar.
 * @example
 * const spec = chartSpec(report); // render with renderChart, or paste into the vega editor
 */
export function chartSpec(report: BenchReport): vl.TopLevelSpec {
  const values = report.results.map((r) => ({
    contender: r.complete ? r.name : `${r.name} (prefix)`,
    median: r.rowsPerSecond.median,
    min: r.rowsPerSecond.min,
    max: r.rowsPerSecond.max,
    label: rate(r.rowsPerSecond.median),
  }));
  const y = { field: 'contender', type: 'nominal', sort: null, title: null } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Loader throughput (rows/s, median of runs; whiskers: min–max)',
      subtitle: `${report.rows.toLocaleString('en')} rows, shuffle ${report.shuffle}, batch ${report.batch}, ${report.runs} runs; ${report.machine.cpu}, ${report.machine.cores} cores, Node ${report.machine.node}`,
    },
    width: 520,
    data: { values },
    encoding: { y },
    layer: [
      { mark: { type: 'bar', color: '#4c78a8' }, encoding: { x: { field: 'median', type: 'quantitative', title: 'rows/s', axis: { format: '~s', tickCount: 6 } } } },
      { mark: { type: 'rule', color: '#333' }, encoding: { x: { field: 'min', type: 'quantitative' }, x2: { field: 'max' } } },
      { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { x: { field: 'max', type: 'quantitative' }, text: { field: 'label' } } },
    ],
  };
}

/**
 * Renders the report's chart to an SVG string.
 * @example
 * fs.writeFileSync('bench/loaders.svg', await renderChart(report));
 */
export async function renderChart(report: BenchReport): Promise<string> {
  const compiled = vl.compile(chartSpec(report)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
