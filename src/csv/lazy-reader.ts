// csv() for the modules a csv worker loads, loaded on first use: a worker that decodes numeric
// blocks never needs it, and it brings the Dataset API and every stage with it (the worker's
// entry loads 23 modules at start instead of 67: bench/worker-start.ts; worker-tasks.ts loads
// the many-files reader the same way).
type Reader = typeof import('./reader.js');

/**
 * The csv reader module, loaded on first call.
 * @example
 * const ratings = (await loadReader()).csv('ratings.csv');
 */
export function loadReader(): Promise<Reader> {
  // Under tsx a worker thread runs its modules as CommonJS (piscina requires the entry), where
  // import() of a .js name finds no .ts file; require resolves it as the static imports did.
  return typeof require === 'function' ? Promise.resolve(require('./reader.js') as Reader) : import('./reader.js');
}
