/**
 * The URL of a worker entry point in src/workers/, as a string for piscina's `filename`.
 *
 * Under `node --import tsx` this module is a .ts file and so are the entry points; from the
 * built package both are .js. Entry points are loaded by URL only: nothing imports them at
 * run time, so a worker's dependencies stay out of the thread that starts it.
 */
export function workerUrl(name: 'csv-worker' | 'map-worker' | 'background-worker'): string {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./workers/${name}${extension}`, import.meta.url).href;
}
