// What a cache is stamped with: kept apart from cache.ts so that sources can stamp
// themselves without loading apache-arrow.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';

/** A source that can say what its data was made from (path, size, mtime, options). */
export interface Fingerprinted {
  fingerprint(): Promise<string>;
}

/**
 * A fingerprint of a file and the options it is read with: what makes a cache of it stale.
 * @example
 * await fileFingerprint('ratings.csv', { delimiter: ',' }); // '{"path":"/abs/ratings.csv","size":…,"mtimeMs":…,"options":{…}}'
 */
export async function fileFingerprint(path: string, options: unknown): Promise<string> {
  const s = await stat(path);
  return JSON.stringify({ path: resolve(path), size: s.size, mtimeMs: s.mtimeMs, options: options ?? null });
}
